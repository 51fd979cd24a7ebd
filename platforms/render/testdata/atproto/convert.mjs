// convert.mjs turns bluesky-social/atproto's
// packages/api/tests/rich-text-detection.test.ts into
// rich-text-detection.json: the test's own input and output arrays,
// evaluated as the JavaScript literals they are, unchanged.
//
//	git -C atproto show HEAD:packages/api/tests/rich-text-detection.test.ts > t.ts
//	node convert.mjs t.ts <commit> > rich-text-detection.json
//
// The first inputs array is split into groups at its blank lines, as the
// test file groups them: the first group is mentions, the rest links.
import { readFileSync } from 'node:fs'

const [file, commit] = process.argv.slice(2)
const src = readFileSync(file, 'utf8')

// literal returns the array literal that starts at the first '[' after
// marker, evaluated.
function literal(marker, from = 0) {
  const at = src.indexOf(marker, from)
  if (at < 0) throw new Error(`no ${marker}`)
  // Skip a type annotation: the literal is after the '= '.
  const eq = src.indexOf('= [', at)
  let i = eq + 2
  let depth = 0
  let quote = null
  for (let j = i; j < src.length; j++) {
    const c = src[j]
    if (quote) {
      if (c === '\\') j++
      else if (c === quote) quote = null
      continue
    }
    if (c === "'" || c === '"' || c === '`') quote = c
    else if (c === '[') depth++
    else if (c === ']' && --depth === 0) {
      const text = src.slice(i, j + 1).replace(/\/\/[^\n']*$/gm, '')
      return { text, value: new Function(`return ${text}`)(), end: j + 1 }
    }
  }
  throw new Error(`unterminated ${marker}`)
}

const inputs = literal('const inputs = [')
const outputs = literal('const outputs: string[][][] = [', inputs.end)
const tags = literal('const inputs: [', outputs.end)
const cashtags = literal('const inputs: [', tags.end)
if (inputs.value.length !== outputs.value.length) throw new Error('inputs and outputs differ in length')

// Groups: blank lines in the inputs literal separate them.
const groups = []
let group = 0
for (const line of inputs.text.split('\n').slice(1)) {
  if (line.trim() === '') group++
  else if (/^\s*'/.test(line)) groups.push(group === 0 ? 'mentions' : 'links')
}
if (groups.length !== inputs.value.length) throw new Error(`grouped ${groups.length} of ${inputs.value.length} inputs`)

const out = {
  source: {
    repository: 'https://github.com/bluesky-social/atproto',
    path: 'packages/api/tests/rich-text-detection.test.ts',
    commit,
    license: 'MIT (see LICENSE-MIT.txt beside this file); the repository is dual MIT/Apache-2.0',
  },
  segments: inputs.value.map((input, i) => ({ group: groups[i], input, output: outputs.value[i] })),
  tags: tags.value.map(([input, tags, indices]) => ({ input, tags, indices })),
  cashtags: cashtags.value.map(([input, tags, indices]) => ({ input, tags, indices })),
}
// One case a line, so that a diff of a new version reads case by case.
const lines = ['{', `"source": ${JSON.stringify(out.source)},`]
for (const key of ['segments', 'tags', 'cashtags']) {
  lines.push(`"${key}": [`)
  out[key].forEach((c, i) => lines.push(JSON.stringify(c) + (i < out[key].length - 1 ? ',' : '')))
  lines.push(key === 'cashtags' ? ']' : '],')
}
lines.push('}')
process.stdout.write(lines.join('\n') + '\n')
