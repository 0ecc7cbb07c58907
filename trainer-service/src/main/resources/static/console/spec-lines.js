// Finds the line of a JSON text where each field sits, so that a problem naming a field
// ("algorithm.groupSize", "rewards[1].params.k", "base.schedule.steps") is shown beside it.
'use strict';

const SpecLines = (() => {
  /** Maps every field path of the JSON text to its 1-based line; throws on malformed JSON. */
  function index(text) {
    const lines = new Map();
    let at = 0;
    const lineAt = (offset) => {
      let line = 1;
      for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
      return line;
    };
    const space = () => {
      while (at < text.length && /\s/.test(text[at])) at++;
    };
    const fail = () => {
      throw new SyntaxError('unexpected input at line ' + lineAt(at));
    };
    const string = () => {
      const start = at;
      at++;
      while (at < text.length && text[at] !== '"') at += text[at] === '\\' ? 2 : 1;
      if (at >= text.length) fail();
      at++;
      return JSON.parse(text.slice(start, at));
    };
    const value = (path) => {
      space();
      if (text[at] === '{') {
        at++;
        space();
        if (text[at] === '}') { at++; return; }
        for (;;) {
          space();
          if (text[at] !== '"') fail();
          const keyAt = at;
          const name = string();
          const child = path ? path + '.' + name : name;
          lines.set(child, lineAt(keyAt));
          space();
          if (text[at] !== ':') fail();
          at++;
          value(child);
          space();
          if (text[at] === ',') { at++; continue; }
          if (text[at] === '}') { at++; return; }
          fail();
        }
      } else if (text[at] === '[') {
        at++;
        space();
        if (text[at] === ']') { at++; return; }
        for (let i = 0; ; i++) {
          space();
          const child = path + '[' + i + ']';
          lines.set(child, lineAt(at));
          value(child);
          space();
          if (text[at] === ',') { at++; continue; }
          if (text[at] === ']') { at++; return; }
          fail();
        }
      } else if (text[at] === '"') {
        string();
      } else {
        const m = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(at));
        if (!m) fail();
        at += m[0].length;
      }
    };
    value('');
    space();
    if (at < text.length) fail();
    return lines;
  }

  /**
   * The line of the field a problem names, or of its nearest parent in the text (a missing
   * field is shown at its parent); null when no part of it is there.
   */
  function lineOf(lines, field, prefix) {
    let path = field;
    if (prefix && path.startsWith(prefix)) path = path.slice(prefix.length);
    while (path) {
      if (lines.has(path)) return lines.get(path);
      const cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
      path = cut > 0 ? path.slice(0, cut) : '';
    }
    return null;
  }

  return { index, lineOf };
})();
