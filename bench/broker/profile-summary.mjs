// Summarizes a V8 .cpuprofile (from `node --cpu-prof`): self time by function and by source
// file, as markdown. Used by throughput.mjs --profile; also runs on its own:
//
//   node bench/broker/profile-summary.mjs <file.cpuprofile> [top=20]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

function where(url) {
  if (!url) return '';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  return path.startsWith(root) ? path.slice(root.length) : path.replace(/^.*\/node_modules\//, 'node_modules/');
}

export function summarizeProfile(profile, { top = 20 } = {}) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map(); // node id -> µs
  const { samples, timeDeltas } = profile;
  // timeDeltas[i] is the time before sample i; charge it to the sample before, like DevTools.
  for (let i = 0; i < samples.length; i++) {
    const dt = timeDeltas[i + 1] ?? 0;
    selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + Math.max(0, dt));
  }
  const byFunction = new Map();
  const byFile = new Map();
  let total = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = nodes.get(id).callFrame;
    total += us;
    if (functionName === '(idle)') idle += us;
    const file = where(url) || functionName;
    const key = `${functionName || '(anonymous)'}|${file}|${lineNumber}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    byFile.set(file, (byFile.get(file) ?? 0) + us);
  }
  const busy = total - idle;
  const pct = (us, of) => `${((100 * us) / of).toFixed(1)}%`;
  const lines = [];
  lines.push(`Profile: ${(total / 1e6).toFixed(2)} s sampled, ${(busy / 1e6).toFixed(2)} s busy (${pct(busy, total)}); percentages are of busy time.`);
  lines.push('');
  lines.push('| Self time | % busy | Function | Where |');
  lines.push('|---:|---:|---|---|');
  for (const [key, us] of [...byFunction].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top)) {
    const [name, file, line] = key.split('|');
    lines.push(`| ${(us / 1000).toFixed(0)} ms | ${pct(us, busy)} | \`${name}\` | ${file}${file.includes('/') || file.includes(':') ? `:${Number(line) + 1}` : ''} |`);
  }
  lines.push('');
  lines.push('| Self time | % busy | File |');
  lines.push('|---:|---:|---|');
  for (const [file, us] of [...byFile].filter(([f]) => f !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, Math.min(top, 12))) {
    lines.push(`| ${(us / 1000).toFixed(0)} ms | ${pct(us, busy)} | ${file} |`);
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, top = '20'] = process.argv.slice(2);
  console.log(summarizeProfile(JSON.parse(readFileSync(file, 'utf8')), { top: Number(top) }));
}
