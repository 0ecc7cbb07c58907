// Creates a run (or a sweep) from a JSON spec; the API's validation problems (RFC 9457, one per
// field) are shown beside the line of the field they name.
'use strict';

(() => {
  const { api, element: el, say } = Grpo;

  const EXAMPLES = {
    run: {
      name: 'console-run',
      data: { source: 'generator', generatorSize: 64, evalFraction: 0.1 },
      algorithm: { groupSize: 4, beta: 0.04 },
      optimizer: { learningRate: 0.0005 },
      rollout: { maxTokens: 12 },
      rewards: [{ rule: 'math_accuracy', weight: 1.0 }, { rule: 'format', weight: 0.2 }],
      schedule: { steps: 10, promptsPerStep: 4, checkpointEvery: 5 }
    },
    sweep: {
      name: 'console-sweep',
      base: { schedule: { steps: 10, promptsPerStep: 4 }, rollout: { maxTokens: 12 } },
      grid: { beta: [0.0, 0.04], learningRate: [0.0005, 0.001] }
    }
  };

  const form = document.getElementById('create-form');
  const textarea = document.getElementById('spec');
  const side = document.getElementById('spec-problems');
  const others = document.getElementById('other-problems');
  let placed = [];

  const kind = () => form.querySelector('input[name=kind]:checked').value;

  function clear() {
    placed = [];
    side.replaceChildren();
    others.replaceChildren();
    textarea.removeAttribute('aria-invalid');
  }

  function position() {
    const style = getComputedStyle(textarea);
    const lineHeight = parseFloat(style.lineHeight);
    const top = parseFloat(style.paddingTop) + parseFloat(style.borderTopWidth);
    const perLine = new Map();
    for (const { note, line } of placed) {
      const nth = perLine.get(line) || 0;
      perLine.set(line, nth + 1);
      const y = top + (line - 1) * lineHeight - textarea.scrollTop + nth * lineHeight;
      note.style.top = y + 'px';
      note.hidden = y < -lineHeight || y > textarea.clientHeight;
    }
  }

  function show(problems) {
    clear();
    textarea.setAttribute('aria-invalid', 'true');
    let lines = new Map();
    try {
      lines = SpecLines.index(textarea.value);
    } catch (e) {
      // the server read it anyway; problems without a line go to the list below
    }
    for (const problem of problems) {
      const line = problem.field ? SpecLines.lineOf(lines, problem.field) : null;
      const text = (problem.field ? problem.field + ': ' : '') + problem.message;
      if (line === null) {
        others.append(el('li', { class: 'field-problem', 'data-field': problem.field || '', text }));
      } else {
        const note = el('div', {
          class: 'field-problem', 'data-field': problem.field, 'data-line': line, title: text, text: '◀ ' + text
        });
        side.append(note);
        placed.push({ note, line });
      }
    }
    position();
  }

  textarea.addEventListener('scroll', position);
  form.querySelectorAll('input[name=kind]').forEach((radio) =>
    radio.addEventListener('change', () => {
      textarea.value = JSON.stringify(EXAMPLES[kind()], null, 2);
      clear();
      say(null);
    }));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    say(null);
    clear();
    try {
      SpecLines.index(textarea.value);
    } catch (e) {
      const line = Number((/line (\d+)/.exec(e.message) || [])[1] || 1);
      show([{ field: null, message: 'The spec is not valid JSON: ' + e.message + '.' }]);
      others.replaceChildren();
      const note = el('div', { class: 'field-problem', 'data-line': line,
        text: '◀ not valid JSON here' });
      side.append(note);
      placed.push({ note, line });
      position();
      say('The spec is not valid JSON (' + e.message + ').');
      return;
    }
    const button = document.getElementById('create');
    button.disabled = true;
    try {
      const path = kind() === 'run' ? '/api/v1/runs' : '/api/v1/sweeps';
      const created = await api(path, { method: 'POST', body: textarea.value });
      location.href = (kind() === 'run' ? 'run.html?id=' : 'sweep.html?id=') + created.id;
    } catch (error) {
      if (error.status === 401) {
        controls.refused(error);
      } else if (error.problem && Array.isArray(error.problem.errors)) {
        const n = error.problem.errors.length;
        say('The ' + kind() + ' was not created: ' + n + ' invalid field' + (n === 1 ? '' : 's')
          + ', shown beside the spec.');
        show(error.problem.errors);
      } else {
        say(error.message);
      }
    } finally {
      button.disabled = false;
    }
  });

  textarea.value = JSON.stringify(EXAMPLES.run, null, 2);
  const controls = Grpo.page(() => {});
})();
