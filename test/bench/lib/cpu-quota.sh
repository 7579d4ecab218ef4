# CPU-time quotas standing in for cores this machine does not have (sourced after common.sh).
#
# `--workers=2` needs two cores for pe-edge and one more for the load generator to show how it scales; this machine
# has two in all. A cgroup's CPU quota gives a process (with every thread and child it starts) a share of the
# machine, say 0.3 of a CPU, whichever CPUs it runs on: one pe-edge process held to 0.3 and `--workers=2` held to 0.6
# do what one and two cores would, while the load keeps what is left. The kernel counts the periods in which a
# group used up its quota and had to wait (cpu.stat's nr_throttled): near every period means the quota bound it.
#
# cgroup v2 (cpu.max) or v1 (the cpu controller's CFS quota), as root; 10 ms periods, so a group that used its
# share waits at most that long.

QUOTA_PERIOD_US=10000
QUOTA_GROUPS=()
QUOTA_ERR=

# quota_root : sets QUOTA_ROOT to the folder new groups go under (v2: the root, with cpu delegated to its
# children; v1: the cpu hierarchy's root), or returns 1 with QUOTA_ERR.
quota_root() {
  QUOTA_ROOT=
  if [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then
    if ! grep -qw cpu /sys/fs/cgroup/cgroup.controllers; then QUOTA_ERR="cgroup v2 without the cpu controller"; return 1; fi
    grep -qw cpu /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || echo +cpu >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null ||
      { QUOTA_ERR="cannot enable the cpu controller in /sys/fs/cgroup/cgroup.subtree_control (not root, or inside a container's cgroup)"; return 1; }
    QUOTA_ROOT=/sys/fs/cgroup
  elif [[ -f /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]]; then
    QUOTA_ROOT=/sys/fs/cgroup/cpu
  else
    QUOTA_ERR="no cgroup cpu controller under /sys/fs/cgroup"
    return 1
  fi
}

# quota_group NAME CORES [PARENT] : a new group whose processes together run at most CORES CPUs' worth of time
# (0.3: 3 ms of every 10; empty: no quota of its own), under PARENT (a group made here) or at the top; sets
# QUOTA_GROUP to its folder, or returns 1 with QUOTA_ERR. A parent's quota bounds its children's together. Under
# cgroup v2 only leaves hold processes: give a parent's processes a child group of their own.
quota_group() {
  local name=$1 cores=$2 parent=${3:-} dir quota
  if [[ -z $parent ]]; then
    quota_root || return 1
    dir=$QUOTA_ROOT/pe-bench-$$-$name
  else
    dir=$parent/$name
    [[ -f $parent/cgroup.controllers ]] && { echo +cpu >"$parent/cgroup.subtree_control" 2>/dev/null ||
      { QUOTA_ERR="cannot enable the cpu controller in $parent"; return 1; }; }
  fi
  if ! mkdir "$dir" 2>/dev/null; then QUOTA_ERR="cannot create $dir (not root?)"; return 1; fi
  QUOTA_GROUPS+=("$dir")
  QUOTA_GROUP=$dir
  [[ -n $cores ]] || return 0
  quota=$(awk -v c="$cores" -v p="$QUOTA_PERIOD_US" 'BEGIN { q = int(c * p); if (q < 1000) q = 1000; print q }')
  if [[ -f $dir/cpu.max ]]; then
    echo "$quota $QUOTA_PERIOD_US" >"$dir/cpu.max"
  else
    echo "$QUOTA_PERIOD_US" >"$dir/cpu.cfs_period_us" && echo "$quota" >"$dir/cpu.cfs_quota_us"
  fi || { QUOTA_ERR="cannot set the quota of $dir"; return 1; }
}

# quota_move PID GROUP : moves a running process (all its threads) into GROUP.
quota_move() { echo "$1" >"$2/cgroup.procs"; }

# in_quota GROUP : the command prefix that moves a process into GROUP before it runs (what it starts goes too).
in_quota() { printf '%s\n' bash -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' _ "$1"; }

# quota_throttled GROUP : "periods throttled" so far, from the group's cpu.stat.
quota_throttled() { awk '$1 == "nr_periods" { p = $2 } $1 == "nr_throttled" { t = $2 } END { print p + 0, t + 0 }' "$1/cpu.stat"; }

# quota_cleanup : removes the groups, children before parents (common.sh's cleanup calls it once every process it
# started is stopped); says which it could not remove.
quota_cleanup() {
  local i
  for ((i = ${#QUOTA_GROUPS[@]} - 1; i >= 0; i--)); do
    rmdir "${QUOTA_GROUPS[i]}" 2>/dev/null || log "could not remove the cgroup ${QUOTA_GROUPS[i]} (a process still in it?)"
  done
  QUOTA_GROUPS=()
}
