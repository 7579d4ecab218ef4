/**
 * Go's Regexp.ReplaceAllString template ($1, ${1}, $name, ${name}, $$) as a JavaScript replacement
 * string, built once per middleware. Go takes the longest name after `$` (`$1x` is group "1x"),
 * expands a missing or unmatched group to nothing, and keeps a malformed `$` as text.
 */
export function goReplacementToJs(template: string, re: RegExp): string {
  const groupCount = (new RegExp(re.source + '|', re.flags.replace('g', '')).exec('') as RegExpExecArray).length - 1;
  const names = new Set([...re.source.matchAll(/\(\?<([A-Za-z_][A-Za-z0-9_]*)>/g)].map((m) => m[1] as string));
  let out = '';
  let i = 0;
  while (i < template.length) {
    const dollar = template.indexOf('$', i);
    if (dollar === -1) {
      out += template.slice(i);
      break;
    }
    out += template.slice(i, dollar);
    i = dollar + 1;
    if (template[i] === '$') {
      out += '$$';
      i++;
      continue;
    }
    const ref = /^(?:\{(\w+)\}|(\w+))/.exec(template.slice(i));
    if (ref === null) {
      out += '$$'; // malformed reference: a literal '$'
      continue;
    }
    i += ref[0].length;
    out += groupReference((ref[1] ?? ref[2]) as string, groupCount, names);
  }
  return out;
}

function groupReference(name: string, groupCount: number, names: ReadonlySet<string>): string {
  if (/^\d+$/.test(name)) {
    const n = Number(name);
    if (n === 0) return '$&';
    // Two digits pin the group number, so digits that follow stay literal text.
    return n <= groupCount && n <= 99 ? '$' + String(n).padStart(2, '0') : '';
  }
  return names.has(name) ? `$<${name}>` : '';
}
