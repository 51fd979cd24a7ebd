// differential.mjs makes differential.json: random texts built from the
// characters that matter to Bluesky's facet detection, each with the
// facets @atproto/api's detectFacets finds in it, as the app shows them
// (sorted by start; a facet that starts inside an earlier one is not
// shown, as RichText.segments() skips it). TestAtprotoDifferential checks
// herald against them.
//
//	node differential.mjs > differential.json
//
// detectFacets below is packages/api/src/rich-text/detection.ts and the
// regular expressions util.ts of bluesky-social/atproto (MIT, see
// LICENSE-MIT.txt) at the commit in rich-text-detection.json, unchanged
// but for TypeScript types and the TLD list, read from herald's copy
// (../../third_party/tlds/index.json). graphemeLen is Intl.Segmenter's
// count, as @atproto/common-web's is.
import { readFileSync } from 'node:fs'

const TLDs = JSON.parse(readFileSync(new URL('../../third_party/tlds/index.json', import.meta.url), 'utf8'))

// util.ts
const MENTION_REGEX = /(^|\s|\()(@)([a-zA-Z0-9.-]+)(\b)/g
const URL_REGEX =
  /(^|\s|\()((https?:\/\/[\S]+)|((?<domain>[a-z][a-z0-9]*(\.[a-z0-9]+)+)[\S]*))/gim
const TRAILING_PUNCTUATION_REGEX = /\p{P}+$/gu
const TAG_REGEX =
  // eslint-disable-next-line no-misleading-character-class
  /(^|\s)[#＃]((?!\ufe0f)[^\s\u00AD\u2060\u200A\u200B\u200C\u200D\u20e2]*[^\d\s\p{P}\u00AD\u2060\u200A\u200B\u200C\u200D\u20e2]+[^\s\u00AD\u2060\u200A\u200B\u200C\u200D\u20e2]*)?/gu
const CASHTAG_REGEX =
  /(^|\s|\()\$([A-Za-z][A-Za-z0-9]{0,4})(?=\s|$|[.,;:!?)"'\u2019])/gu

const encoder = new TextEncoder()
const segmenter = new Intl.Segmenter()
const graphemeLen = (s) => [...segmenter.segment(s)].length
const utf8Index = (text, i) => encoder.encode(text.slice(0, i)).byteLength

// detection.ts
function detectFacets(text) {
  let match
  const facets = []
  {
    const re = MENTION_REGEX
    while ((match = re.exec(text))) {
      if (!isValidDomain(match[3]) && !match[3].endsWith('.test')) {
        continue // probably not a handle
      }
      const start = text.indexOf(match[3], match.index) - 1
      facets.push({ start: utf8Index(text, start), end: utf8Index(text, start + match[3].length + 1), type: 'mention', value: match[3] })
    }
  }
  {
    const re = URL_REGEX
    while ((match = re.exec(text))) {
      let uri = match[2]
      if (!uri.startsWith('http')) {
        const domain = match.groups?.domain
        if (!domain || !isValidDomain(domain)) {
          continue
        }
        uri = `https://${uri}`
      }
      const start = text.indexOf(match[2], match.index)
      const index = { start, end: start + match[2].length }
      if (/[.,;:!?]$/.test(uri)) {
        uri = uri.slice(0, -1)
        index.end--
      }
      if (/[)]$/.test(uri) && !uri.includes('(')) {
        uri = uri.slice(0, -1)
        index.end--
      }
      facets.push({ start: utf8Index(text, index.start), end: utf8Index(text, index.end), type: 'link', value: uri })
    }
  }
  {
    const re = TAG_REGEX
    while ((match = re.exec(text))) {
      const leading = match[1]
      let tag = match[2]
      if (!tag) continue
      tag = tag.trim().replace(TRAILING_PUNCTUATION_REGEX, '')
      if (tag.length === 0 || (tag.length > 64 && graphemeLen(tag) > 64)) continue
      const index = match.index + leading.length
      facets.push({ start: utf8Index(text, index), end: utf8Index(text, index + 1 + tag.length), type: 'tag', value: tag })
    }
  }
  {
    const re = CASHTAG_REGEX
    while ((match = re.exec(text))) {
      const leading = match[1]
      let ticker = match[2]
      if (!ticker) continue
      ticker = ticker.toUpperCase()
      const index = match.index + leading.length
      facets.push({ start: utf8Index(text, index), end: utf8Index(text, index + 1 + ticker.length), type: 'tag', value: '$' + ticker })
    }
  }
  return facets
}

function isValidDomain(str) {
  return !!TLDs.find((tld) => {
    const i = str.lastIndexOf(tld)
    if (i === -1) {
      return false
    }
    return str.charAt(i - 1) === '.' && i === str.length - tld.length
  })
}

// shown sorts as facetSort does (by start, stably) and drops what
// segments() would not show.
function shown(facets) {
  facets.sort((a, b) => a.start - b.start)
  const kept = []
  let cursor = 0
  for (const f of facets) {
    if (f.start < cursor) continue
    kept.push(f)
    cursor = f.end
  }
  return kept
}

// A seeded generator (mulberry32), so the corpus is the same every run.
let seed = 20260901
function random() {
  seed |= 0
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

// Characters and pieces that matter to one rule or another.
const pieces = [
  '#', '＃', '@', '$', ' ', '\n', '\u00a0', '\u3000', '\u2028', '(', ')', '.', ',', ';', ':', '!', '?', '-', '_', '/',
  '"', "'", '\u2019', '&', '=', '%', '*', '~', 'a', 'Z', 'k', 'x', '0', '7', 'é', 'ß', 'ı', '\u212a', '日本',
  '\u0301', '\ufe0f', '\u20e3', '\u20e2', '\u200b', '\u200d', '\u00ad', '\u2060', '🦋', '👩‍👩‍👧‍👦', '🇫🇷',
  'com', 'net', '.com', '.co', '.app', '.test', '.jpg', '.social', 'bsky', 'handle', 'example', 'http://', 'https://',
  'HTTPS://', 'www.', '/path', '?q=1', '#frag', 'AAPL', 'tag', 'node.js', 'e.g.', '...', 'рф', '.рф',
]

// Whole candidates, so that most texts hold a facet or nearly one.
const atoms = [
  '#tag', '#node.js', '#a#b', '#1', '#1a', '#_x_', '#tag!', '#️⃣x', '##x', '＃タグ', '#butter🦋fly', '#x\u200by',
  '@alice.bsky.social', '@handle.com', '@a.test', '@bob', '@x.COM', '@a-b.co.', '@e.g', '@.com',
  '$AAPL', '$aapl', '$A1', '$TOOLONG', '$1A', '$AB)', '$ABCDE.', '$AB\u2019',
  'https://x.com', 'http://a.b/c?d=e#f', 'https://foo.com/thing_(cool)', 'HTTP://X.COM', 'https://x',
  'example.com', 'example.com/a', 'a.b.c.com', 'website.com.jpg', 'e.g./foo', 'x.co', 'ex-ample.com', 'Site.Com',
]
const out = []
for (let n = 0; n < 2500; n++) {
  let s = ''
  const len = 1 + Math.floor(random() * 10)
  for (let i = 0; i < len; i++) {
    const from = random() < 0.4 ? atoms : pieces
    s += from[Math.floor(random() * from.length)]
  }
  out.push({ input: s, facets: shown(detectFacets(s)) })
}
process.stdout.write('[\n' + out.map((c) => JSON.stringify(c)).join(',\n') + '\n]\n')
