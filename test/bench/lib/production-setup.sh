# The production path's fixtures, shared by production-path.sh and cpu-ab.sh (sourced after lib/common.sh; $TMP,
# $HERE and PIN_LOAD are set before any of these runs): the certificate for the seed's names, wrk's loopback
# resolver, the three nginx backends serving the 4 kB page, pe-edge's command, and the checks a proxy passes before
# it is measured.
DOMAIN=pixelated-empathy.com
READY_TIMEOUT_S=30
# The mw routes' basicAuth user: bench, password bench-pass, bcrypt cost 10 (Go's DefaultCost), made with
# pe-edge's bcrypt.
BCRYPT_HASH='$2y$10$PeEdgeBenchSaltSalt12u6aoTZ28fgIces4hFDTXNfJ1O0E1snwy'
# The Authorization the basicAuth routes' requests carry: /bench/basicauth/ (the user above), /bench/basicauthapr1/
# (test:test, dynamic-middlewares.yml.tmpl's $apr1$ user).
AUTH_BCRYPT="Basic $(printf 'bench:bench-pass' | base64)"
AUTH_APR1="Basic $(printf 'test:test' | base64)"

# make_certificate : a self-signed ECDSA P-256 certificate for the seed's two names in $TMP/tls (CERT, KEY, and
# PEM: both in one file, for HAProxy); every client skips verification but sends SNI and Host pixelated-empathy.com.
make_certificate() {
  CERT=$TMP/tls/cert.pem
  KEY=$TMP/tls/key.pem
  PEM=$TMP/tls/haproxy.pem
  mkdir -p "$TMP/tls"
  if ! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -keyout "$KEY" -out "$CERT" -subj "/CN=$DOMAIN" \
    -addext "subjectAltName=DNS:$DOMAIN,DNS:www.$DOMAIN" >"$TMP/tls/openssl.log" 2>&1; then
    log "openssl could not make the certificate:"
    sed 's/^/    /' "$TMP/tls/openssl.log"
    exit 1
  fi
  cat "$CERT" "$KEY" >"$PEM"
  log "certificate: self-signed ECDSA P-256 for $DOMAIN, www.$DOMAIN"
}

# write_wrk_lua : WRK_LUA, for wrk -s. wrk sends SNI = the URL's host, and resolves that host itself: the URL names
# pixelated-empathy.com (SNI and Host as in production) and this makes wrk connect to 127.0.0.1 instead (no
# /etc/hosts change).
write_wrk_lua() {
  WRK_LUA=$TMP/connect-loopback.lua
  cat >"$WRK_LUA" <<'EOF'
-- Connect to 127.0.0.1 whatever the URL's host is; the host still goes into SNI.
wrk.resolve = function(host, service)
  wrk.addrs = wrk.lookup("127.0.0.1", service)
end
EOF
}

# start_html_backends WORKERS : one nginx (worker_processes WORKERS, on the load side's CPUs), three server blocks,
# the same 4 kB HTML page (backends/nginx-html.conf.tmpl); waits until all three answer, exits if they do not.
# Sets P1 P2 P3, PAGE, PAGE_BYTES, UNIQUE_AT, JSON_PAGE, JSON_ID_AT, BACKEND_PID and BACKEND_DESC (needs NGINX_VERSION).
start_html_backends() {
  local port i
  read -r P1 P2 P3 < <(node "$HERE/lib/net.mjs" free-ports 3)
  mkdir -p "$TMP/nginx/doc"
  # nginx's workers drop root for nobody/www-data: they must traverse the temp folder (mktemp made it 0700)
  # and read the page; nothing is listable by others, and the key stays 0600.
  chmod 711 "$TMP"
  chmod 755 "$TMP/nginx" "$TMP/nginx/doc"
  cp "$HERE/backends/page.html" "$TMP/nginx/doc/page.html"
  PAGE=$TMP/nginx/doc/page.html
  PAGE_BYTES=$(wc -c <"$PAGE")
  # The page with 32 bytes of its description replaced by nginx's $request_id (32 hex digits): as long, never twice
  # the same, on /unique/ and on the compress rows' /bench/compress/: compress's cache of bodies it compressed before
  # cannot answer there, so those rows measure compression. The two pieces around the id are variables, each one
  # config token (nginx refuses a token over 4 KiB).
  if ! node -e 'const fs = require("fs"); const page = fs.readFileSync(process.argv[1], "latin1"); const at = page.indexOf("Pixelated Empathy helps");
    const before = page.slice(0, at), after = page.slice(at + 32);
    if (at < 0 || before.length > 4000 || after.length > 4000 || /[\x27\\$]/.test(page)) { console.error("backends/page.html: the description text must be there, each side of it under 4000 bytes, and no quote, backslash or dollar"); process.exit(1); }
    const block = (path) => "location ^~ " + path + " { set $before \x27" + before + "\x27; set $after \x27" + after + "\x27; return 200 \x27$before${request_id}$after\x27; }\n";
    // /bench/compress-nonces/: the page with six script tags, three in its head and three at the end of its body,
    // each with the request id as its nonce (a page with a CSP nonce): one id in six places far apart.
    const head = page.indexOf("</head>"), end = page.indexOf("</body>");
    const scripts = (from) => [0, 1, 2].map((i) => "<script nonce=\"${request_id}\">load(" + (from + i) + ")</script>").join("");
    const nonces = "location ^~ /bench/compress-nonces/ { set $head \x27" + page.slice(0, head) + "\x27; set $body \x27" + page.slice(head, end) + "\x27; set $end \x27" + page.slice(end) + "\x27; return 200 \x27$head" + scripts(0) + "$body" + scripts(3) + "$end\x27; }\n";
    fs.writeFileSync(process.argv[3], page.slice(0, head) + scripts(0).replaceAll("${request_id}", "N") + page.slice(head, end) + scripts(3).replaceAll("${request_id}", "N") + page.slice(end), "latin1");
    if (head < 0 || end < 0 || end - head > 4000) { console.error("backends/page.html: </head> and </body> must be there, under 4000 bytes apart"); process.exit(1); }
    const resized = block("/bench/compress-resized/").replace("${request_id}", "${lead_digits}${request_id}");
    // /bench/compress-private/: the unique page marked Cache-Control: private (the page of a signed-in user): compress
    // neither keeps it nor makes a template of it, so every answer gets the one-off encoder.
    const privatePage = block("/bench/compress-private/").replace("return 200", "add_header Cache-Control private; return 200");
    // /bench/compress-json/: a JSON API answer (backends/page.json, application/json) with the request id in its
    // requestId, Cache-Control: private (a signed-in user'"'"'s data): the one-off encoder with the JSON preset every time.
    // In pieces of at most 3,000 bytes, each one config token.
    const json = fs.readFileSync(process.argv[4], "latin1"), id = json.indexOf("REQUESTID_REQUESTID_REQUESTID_RE");
    if (id < 0 || /[\x27\\$]/.test(json)) { console.error("backends/page.json: its requestId must be REQUESTID_REQUESTID_REQUESTID_RE, and no quote, backslash or dollar"); process.exit(1); }
    const pieces = (text, name) => Array.from({ length: Math.ceil(text.length / 3000) }, (_, k) => ["$" + name + k, text.slice(3000 * k, 3000 * (k + 1))]);
    const jsonParts = [...pieces(json.slice(0, id), "jb"), ["${request_id}", null], ...pieces(json.slice(id + 32), "ja")];
    const jsonPage = "location ^~ /bench/compress-json/ { default_type application/json; add_header Cache-Control private; " + jsonParts.filter(([, text]) => text !== null).map(([name, text]) => "set " + name + " \x27" + text + "\x27; ").join("") + "return 200 \x27" + jsonParts.map(([name]) => name).join("") + "\x27; }\n";
    fs.copyFileSync(process.argv[4], process.argv[5]);
    fs.writeFileSync(process.argv[2], block("/unique/") + block("/bench/compress/") + nonces + resized + privatePage + jsonPage)' "$PAGE" "$TMP/nginx/unique-page.conf" "$TMP/nginx/nonce-page.expected" "$HERE/backends/page.json" "$TMP/nginx/page.json"; then
    log "cannot make the unique page from $PAGE (see above)"
    exit 1
  fi
  UNIQUE_AT=$(grep -bo "Pixelated Empathy helps" "$PAGE" | head -n1 | cut -d: -f1)
  JSON_PAGE=$TMP/nginx/page.json
  JSON_ID_AT=$(grep -bo "REQUESTID_REQUESTID_REQUESTID_RE" "$JSON_PAGE" | head -n1 | cut -d: -f1)
  fill "$HERE/backends/nginx-html.conf.tmpl" "$TMP/nginx/nginx.conf" PREFIX="$TMP/nginx" WORKERS="$1" \
    DOCROOT="$TMP/nginx/doc" PORT1="$P1" PORT2="$P2" PORT3="$P3"
  start_bg "$TMP/nginx/stdout.log" "${PIN_LOAD[@]}" nginx -p "$TMP/nginx/" -e "$TMP/nginx/nginx-error.log" -c "$TMP/nginx/nginx.conf"
  BACKEND_PID=$STARTED_PID
  for port in "$P1" "$P2" "$P3"; do
    for ((i = 0; i < 100; i++)); do
      curl -fsS -o /dev/null "http://127.0.0.1:$port/health" 2>/dev/null && break
      kill -0 "$BACKEND_PID" 2>/dev/null || break
      sleep 0.1
    done
    if ! curl -fsS -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null; then
      log "nginx backends did not start:"
      tail -n 20 "$TMP"/nginx/*.log 2>/dev/null | sed 's/^/    /'
      exit 1
    fi
  done
  BACKEND_DESC="nginx $NGINX_VERSION, 3 server blocks, worker_processes $1, a $PAGE_BYTES-byte text/html page"
  log "backends up on 127.0.0.1:$P1,$P2,$P3 ($BACKEND_DESC)"
}

# https_curl PORT PROTO PATH HDRFILE BODYFILE VERBOSEFILE [curl args...] : one request, the body decoded.
https_curl() {
  local port=$1 proto=$2 path=$3 hdr=$4 body=$5 verbose=$6
  shift 6
  curl -sS -k -v "$proto" --compressed --max-time 5 --resolve "$DOMAIN:$port:127.0.0.1" \
    -H "Host: $DOMAIN" "$@" -D "$hdr" -o "$body" "https://$DOMAIN:$port$path" 2>"$verbose"
}

# wait_https PORT PID PATH [curl args...] : until the proxy answers 200 on PATH, or READY_TIMEOUT_S, or it exits.
wait_https() {
  local port=$1 pid=$2 path=$3 start=$SECONDS code
  shift 3
  for ((;;)); do
    code=$(curl -sk -o /dev/null -w '%{http_code}' --max-time 2 --resolve "$DOMAIN:$port:127.0.0.1" \
      -H "Host: $DOMAIN" "$@" "https://$DOMAIN:$port$path" 2>/dev/null)
    [[ $code == 200 ]] && { WAIT_INFO="ready after $((SECONDS - start)) s"; return 0; }
    if ! kill -0 "$pid" 2>/dev/null; then WAIT_INFO="exited before answering (last HTTP code: ${code:-none})"; return 1; fi
    if ((SECONDS - start > READY_TIMEOUT_S)); then WAIT_INFO="no 200 on $path within ${READY_TIMEOUT_S}s (last HTTP code: ${code:-none})"; return 1; fi
    sleep 0.2
  done
}

hdr_value() { # HDRFILE NAME -> the last value of that header (lower-cased name match), CR stripped
  grep -i "^$2:" "$1" | tail -n1 | cut -d: -f2- | sed 's/^ *//; s/\r$//'
}

# preflight PORT PROTO PATH ENCODINGS SECURITY [curl args...]
#   ENCODINGS: what Content-Encoding may be (gzip | br | gzip/br | none); SECURITY: 1 = the seed's security
#   headers must be there and Server / X-Powered-By gone. Three requests; sets PF_INFO, or PF_ERR and returns 1.
preflight() {
  local port=$1 proto=$2 path=$3 encodings=$4 security=$5 i d=$TMP/preflight status enc v tls alpn backends=() seen name want middle
  shift 5
  mkdir -p "$d"
  PF_ERR=
  PF_INFO=
  for ((i = 1; i <= 3; i++)); do
    if ! https_curl "$port" "$proto" "$path" "$d/h" "$d/b" "$d/v" "$@"; then
      PF_ERR="curl failed: $(grep -v '^[*<>{}]' "$d/v" | tail -n1)"
      return 1
    fi
    status=$(head -n1 "$d/h" | awk '{print $2}')
    [[ $status == 200 ]] || { PF_ERR="HTTP $status on $path (want 200)"; return 1; }
    enc=$(hdr_value "$d/h" content-encoding)
    [[ -n $enc ]] || enc=none
    [[ "/$encodings/" == *"/$enc/"* ]] || { PF_ERR="Content-Encoding: $enc (want $encodings)"; return 1; }
    if [[ $path == /bench/compress-nonces/* ]]; then
      # A different nonce each time, the same in all six places; the page around them the backends'.
      [[ $(grep -o 'nonce="[0-9a-f]\{32\}"' "$d/b" | sort -u | wc -l) == 1 ]] || { PF_ERR="the decoded body does not hold one request id in its six nonces"; return 1; }
      cmp -s <(sed 's/nonce="[0-9a-f]\{32\}"/nonce="N"/g' "$d/b") "$TMP/nginx/nonce-page.expected" || { PF_ERR="the decoded body is not the nonce page ($(wc -c <"$d/b") bytes)"; return 1; }
      [[ $i == 1 ]] || ! cmp -s "$d/b" "$d/b.prev" || { PF_ERR="the same body twice on $path"; return 1; }
      cp "$d/b" "$d/b.prev"
    elif [[ $path == /bench/compress-resized/* ]]; then
      # The page with its request id, after the id's leading digits, in place of 32 bytes of its description.
      middle=$(($(wc -c <"$d/b") - PAGE_BYTES + 32))
      cmp -s <(head -c "$UNIQUE_AT" "$d/b") <(head -c "$UNIQUE_AT" "$PAGE") && cmp -s <(tail -c $((PAGE_BYTES - UNIQUE_AT - 32)) "$d/b") <(tail -c $((PAGE_BYTES - UNIQUE_AT - 32)) "$PAGE") \
        && ((middle >= 32)) && [[ $(tail -c +$((UNIQUE_AT + 1)) "$d/b" | head -c "$middle") =~ ^[0-9]*[0-9a-f]{32}$ ]] \
        || { PF_ERR="the decoded body is not the backends' page with its leading digits and request id"; return 1; }
      [[ $i == 1 ]] || ! cmp -s "$d/b" "$d/b.prev" || { PF_ERR="the same body twice on $path"; return 1; }
      cp "$d/b" "$d/b.prev"
    elif [[ $path == /bench/compress-json/* ]]; then
      # The JSON answer with a request id of 32 hex digits in its requestId, a different one each time.
      cmp -s <(head -c "$JSON_ID_AT" "$d/b") <(head -c "$JSON_ID_AT" "$JSON_PAGE") && cmp -s <(tail -c +$((JSON_ID_AT + 33)) "$d/b") <(tail -c +$((JSON_ID_AT + 33)) "$JSON_PAGE") \
        && [[ $(tail -c +$((JSON_ID_AT + 1)) "$d/b" | head -c 32) =~ ^[0-9a-f]{32}$ ]] || { PF_ERR="the decoded body is not the backends' JSON answer around its request id"; return 1; }
      [[ $(hdr_value "$d/h" content-type) == application/json* ]] || { PF_ERR="Content-Type $(hdr_value "$d/h" content-type) on $path (want application/json)"; return 1; }
      [[ $i == 1 ]] || ! cmp -s "$d/b" "$d/b.prev" || { PF_ERR="the same body twice on $path"; return 1; }
      cp "$d/b" "$d/b.prev"
    elif [[ $path == /unique/* || $path == /bench/compress/* || $path == /bench/compress-private/* ]]; then
      # A different page each time, as long as the page: its bytes around the request id are the page's, and
      # pe-edge's /unique/ answer has a Content-Length (the one-call path, where compress keeps what it compressed).
      [[ $(wc -c <"$d/b") == "$PAGE_BYTES" ]] || { PF_ERR="the decoded body is $(wc -c <"$d/b") bytes (want $PAGE_BYTES)"; return 1; }
      [[ $i == 1 ]] || ! cmp -s "$d/b" "$d/b.prev" || { PF_ERR="the same body twice on $path"; return 1; }
      cmp -s <(head -c "$UNIQUE_AT" "$d/b") <(head -c "$UNIQUE_AT" "$PAGE") && cmp -s <(tail -c +$((UNIQUE_AT + 33)) "$d/b") <(tail -c +$((UNIQUE_AT + 33)) "$PAGE") \
        || { PF_ERR="the decoded body is not the backends' page around its request id"; return 1; }
      [[ $path != /unique/* || -n $(hdr_value "$d/h" content-length) ]] || { PF_ERR="an answer without Content-Length on $path"; return 1; }
      cp "$d/b" "$d/b.prev"
    else
      cmp -s "$d/b" "$PAGE" || { PF_ERR="the decoded body is not the backends' page ($(wc -c <"$d/b") bytes)"; return 1; }
    fi
    if [[ $security == 1 ]]; then
      while IFS='|' read -r name want; do
        v=$(hdr_value "$d/h" "$name")
        [[ $v == "$want" ]] || { PF_ERR="$name: '${v}' (want '$want')"; return 1; }
      done <<EOF
strict-transport-security|max-age=31536000; includeSubDomains; preload
x-frame-options|DENY
x-content-type-options|nosniff
x-xss-protection|1; mode=block
referrer-policy|strict-origin-when-cross-origin
content-security-policy|default-src 'self'; frame-ancestors 'none'
EOF
      for name in server x-powered-by; do
        v=$(hdr_value "$d/h" "$name")
        grep -qi "^$name:" "$d/h" && { PF_ERR="$name: '$v' still there (want it removed)"; return 1; }
      done
    fi
    backends+=("$(hdr_value "$d/h" x-backend)")
  done
  tls=$(sed -n 's/.*SSL connection using \([^ ]*\) .*/\1/p' "$d/v" | head -n1)
  alpn=$(sed -n 's/.*ALPN: server accepted \(.*\)$/\1/p' "$d/v" | head -n1)
  seen=$(printf '%s\n' "${backends[@]}" | sort | uniq -c | awk '{printf "%s%sx%s", (NR > 1 ? " " : ""), $2, $1}')
  PF_INFO="${alpn:-?} ${tls:-?}, Content-Encoding $enc, backends $seen"
  return 0
}
