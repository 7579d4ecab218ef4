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

# quota_root : the folder new groups go under (v2: the root, with cpu delegated to its children; v1: the cpu
# hierarchy's root); prints nothing and sets QUOTA_ERR when neither is usable.
quota_root() {
  if [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then
    if ! grep -qw cpu /sys/fs/cgroup/cgroup.controllers; then QUOTA_ERR="cgroup v2 without the cpu controller"; return 1; fi
    grep -qw cpu /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || echo +cpu >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null ||
      { QUOTA_ERR="cannot enable the cpu controller in /sys/fs/cgroup/cgroup.subtree_control (not root?)"; return 1; }
    echo /sys/fs/cgroup
  elif [[ -f /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]]; then
    echo /sys/fs/cgroup/cpu
  else
    QUOTA_ERR="no cgroup cpu controller under /sys/fs/cgroup"
    return 1
  fi
}

# quota_group NAME CORES : a new group whose processes together run at most CORES CPUs' worth of time (0.3: 3 ms
# of every 10); sets QUOTA_GROUP to its folder, or returns 1 with QUOTA_ERR.
quota_group() {
  local name=$1 cores=$2 root dir quota
  root=$(quota_root) || return 1
  dir=$root/pe-bench-$$-$name
  quota=$(awk -v c="$cores" -v p="$QUOTA_PERIOD_US" 'BEGIN { q = int(c * p); if (q < 1000) q = 1000; print q }')
  if ! mkdir "$dir" 2>/dev/null; then QUOTA_ERR="cannot create $dir (not root?)"; return 1; fi
  QUOTA_GROUPS+=("$dir")
  if [[ -f $dir/cpu.max ]]; then
    echo "$quota $QUOTA_PERIOD_US" >"$dir/cpu.max"
  else
    echo "$QUOTA_PERIOD_US" >"$dir/cpu.cfs_period_us" && echo "$quota" >"$dir/cpu.cfs_quota_us"
  fi || { QUOTA_ERR="cannot set the quota of $dir"; return 1; }
  QUOTA_GROUP=$dir
}

# in_quota GROUP : the command prefix that moves a process into GROUP before it runs (what it starts goes too).
in_quota() { printf '%s\n' bash -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' _ "$1"; }

# quota_throttled GROUP : "periods throttled" so far, from the group's cpu.stat.
quota_throttled() { awk '$1 == "nr_periods" { p = $2 } $1 == "nr_throttled" { t = $2 } END { print p + 0, t + 0 }' "$1/cpu.stat"; }

# quota_cleanup : removes the groups (common.sh's cleanup calls it once every process it started is stopped).
quota_cleanup() {
  local dir
  for dir in "${QUOTA_GROUPS[@]}"; do rmdir "$dir" 2>/dev/null; done
  QUOTA_GROUPS=()
}
