import fs from 'node:fs';
const seg = new Intl.Segmenter();
const count = (s) => { let n = 0; for (const _ of seg.segment(s)) n++; return n; };
const samples = ['', 'a', 'abc', '\r\n', '\n\r', 'e\u0301', 'e\u0301\u0302', '👩‍👩‍👧‍👦', '👩‍👩‍👧‍👦👩‍👩‍👧‍👦', '🏳️‍🌈', '🇩🇪', '🇩🇪🇫', '🇩🇪🇫🇷',
  '👍🏽', '❤️', '☺︎', '\u1100\u1161\u11a8', '한국어', '\u1100\u1100\u1161', 'क्षि', 'क्‍ष', 'नमस्ते', 'ক্ষ', 'ન્મ',
  '\u0600\u0661', 'a\u200db', '\u200d', 'x\u0308\u200d😀', '😀\u0308\u200d😀', 'ก่', 'ำ', 'a\u0e33', '\u0001\u0301',
  'Ａ\uFE0F', '🧑🏽‍💻', '👨‍❤️‍💋‍👨', '🫱🏼‍🫲🏿', 'a\u034fb', '\u1f600', 'Z͑ͫ̓ͪ̂ͫ̽͏̴̙̤̞͉͚̯̞̠͍A̴̵̜̰͔ͫ͗͢L̠ͨͧͩ͘G̴̻͈͍͔̹̑͗̎̅͛́Ǫ̵̹̻̝̳͂̌̌͘',
  'हिन्दी', 'த்தி', 'ꦏ꧀ꦱ', '\uD83C\uDDE6\uD83C\uDDE8\uD83C\uDDE6', 'Ä', 'ﷺ', '\u0915\u094d\u200d\u0937', '\u0d15\u0d4d\u0d37'];
const out = samples.map((s) => ({ text: s, count: count(s) }));
// also every assigned BMP/astral block boundary sample: a char followed by a combining mark
for (let cp = 0x80; cp < 0x30000; cp += 97) {
  if (cp >= 0xd800 && cp <= 0xdfff) continue;
  const s = String.fromCodePoint(cp) + '\u0301' + String.fromCodePoint(cp + 1) + 'a\u200d' + String.fromCodePoint(cp + 2);
  out.push({ text: s, count: count(s) });
}
fs.writeFileSync(process.argv[2], JSON.stringify(out));
