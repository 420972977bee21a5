// Reference verdicts: node oracle.mjs records IN.json OUT.json | node oracle.mjs formats IN.json OUT.json
import fs from 'node:fs';
import { lexParse } from '@atproto/lex';
import { isStringFormat } from '@atproto/lex-schema';
const [mode, input, output] = process.argv.slice(2);
const cases = JSON.parse(fs.readFileSync(input, 'utf8'));
const out = [];
if (mode === 'formats') {
  for (const c of cases) out.push({ ...c, valid: isStringFormat(c.value, c.format, { strict: true }) });
} else {
  for (const c of cases) {
    const path = './lexicons/' + c.collection.split('.').join('/') + '.defs.js';
    let verdict;
    try {
      const mod = await import(path);
      const value = lexParse(JSON.stringify(c.record));
      const r = mod.main.safeValidate(value);
      verdict = r.success ? { valid: true } : { valid: false, issue: r.reason.issues?.[0]?.code, path: r.reason.issues?.[0]?.path, message: String(r.reason.message ?? r.reason) };
    } catch (e) {
      verdict = { valid: false, error: String(e) };
    }
    out.push({ ...c, expected: verdict });
  }
}
fs.writeFileSync(output, JSON.stringify(out, null, 1));
