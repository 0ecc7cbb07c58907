// The samples browser of the run page: a step's completions with their prompts, the extracted
// answer marked in the completion, and every rule's status and score. Completions are untrusted
// text: they only ever become text nodes, never markup.
'use strict';

const Samples = (() => {
  const { api, element: el, number } = Grpo;
  const PAGE_SIZE = 24;

  /**
   * Where the answer a rule read sits in the completion: the math verifier's prediction (inside
   * the <answer> block when it is there), else the <answer> block, else the last \boxed{}.
   * Returns [start, end) or null.
   */
  function answerSpan(text, rewards) {
    const blocks = [...text.matchAll(/<answer>([\s\S]*?)<\/answer>/g)];
    const block = blocks.length ? blocks[blocks.length - 1] : null;
    const blockStart = block ? block.index + '<answer>'.length : -1;
    const math = rewards.find((r) => r.details && typeof r.details.prediction === 'string'
      && r.details.prediction.trim() !== '');
    if (math) {
      const prediction = math.details.prediction.trim();
      if (block) {
        const inside = block[1].lastIndexOf(prediction);
        if (inside >= 0) return [blockStart + inside, blockStart + inside + prediction.length];
      }
      const anywhere = text.lastIndexOf(prediction);
      if (anywhere >= 0) return [anywhere, anywhere + prediction.length];
    }
    if (block) {
      const content = block[1];
      const lead = content.length - content.trimStart().length;
      const trimmed = content.trim();
      if (trimmed) return [blockStart + lead, blockStart + lead + trimmed.length];
    }
    const boxed = text.lastIndexOf('\\boxed{');
    if (boxed >= 0) {
      let depth = 0;
      for (let i = boxed + 7; i < text.length; i++) {
        if (text[i] === '{') depth++;
        else if (text[i] === '}') {
          if (depth === 0) return i > boxed + 7 ? [boxed + 7, i] : null;
          depth--;
        }
      }
    }
    return null;
  }

  function completion(sample) {
    const text = sample.text || '';
    const span = answerSpan(text, sample.rewards);
    const pre = el('pre', { class: 'completion' });
    if (!span) {
      pre.append(text);
    } else {
      pre.append(text.slice(0, span[0]),
        el('mark', { class: 'answer', title: 'the extracted answer', text: text.slice(span[0], span[1]) }),
        text.slice(span[1]));
    }
    return pre;
  }

  /** A rule's details as "key: value" pairs, cut short (they may quote the completion). */
  function details(value) {
    if (!value || typeof value !== 'object') return '';
    const text = Object.entries(value)
      .map(([k, v]) => k + ': ' + (typeof v === 'string' ? v : JSON.stringify(v)))
      .join(', ');
    return text.length > 160 ? text.slice(0, 157) + '…' : text;
  }

  function rewards(sample) {
    if (!sample.rewards.length) return el('p', { class: 'hint', text: 'not scored yet' });
    return el('table', { class: 'rewards' },
      el('thead', {}, el('tr', {}, el('th', { text: 'rule' }), el('th', { text: 'version' }),
        el('th', { text: 'status' }), el('th', { text: 'score' }), el('th', { text: 'details' }))),
      el('tbody', {}, ...sample.rewards.map((r) => el('tr', { 'data-rule': r.rule },
        el('td', { text: r.rule }),
        el('td', { text: r.version }),
        el('td', {}, el('span', { class: 'status ' + r.status, text: r.status })),
        el('td', { class: 'score', text: r.score === null ? '–' : number(r.score, 2) }),
        el('td', { class: 'details', text: details(r.details) })))));
  }

  function card(sample) {
    return el('article', { class: 'sample', 'data-completion': sample.completionId },
      el('h3', {}, sample.itemId + ' #' + sample.sampleIndex,
        el('span', { class: 'split', text: sample.split || '' }),
        el('span', { class: 'hint', text: sample.tokens + ' tokens, ' + (sample.finishReason || '?')
          + ', policy v' + sample.policyVersion })),
      el('div', { class: 'label', text: 'prompt' }),
      el('pre', { class: 'prompt', text: sample.prompt || '' }),
      el('div', { class: 'label', text: 'completion' }),
      completion(sample),
      rewards(sample));
  }

  /** Wires the samples form of the run page for run {@code runId}; onError(ApiError). */
  function browser(runId, onError) {
    const form = document.getElementById('samples-form');
    const stepInput = document.getElementById('samples-step');
    const list = document.getElementById('samples-list');
    const prev = document.getElementById('samples-prev');
    const next = document.getElementById('samples-next');
    const label = document.getElementById('samples-page');
    let shown = { step: 0, page: 0 };

    async function load(step, page) {
      try {
        const result = await api('/api/v1/runs/' + runId + '/samples?step=' + step
          + '&page=' + page + '&size=' + PAGE_SIZE);
        shown = { step, page };
        const pages = Math.max(1, Math.ceil(result.totalItems / PAGE_SIZE));
        label.textContent = 'step ' + step + ': ' + result.totalItems + ' samples, page '
          + (page + 1) + ' of ' + pages;
        prev.disabled = page === 0;
        next.disabled = page + 1 >= pages;
        list.replaceChildren(...(result.samples.length
          ? result.samples.map(card)
          : [el('p', { class: 'hint', text: 'Step ' + step + ' has no stored samples (yet).' })]));
      } catch (error) {
        onError(error);
      }
    }

    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const step = Number.parseInt(stepInput.value, 10);
      if (!Number.isInteger(step) || step < 0) {
        label.textContent = 'The step must be a whole number from 0.';
        return;
      }
      load(step, 0);
    });
    prev.addEventListener('click', () => load(shown.step, Math.max(0, shown.page - 1)));
    next.addEventListener('click', () => load(shown.step, shown.page + 1));
    return { load };
  }

  return { browser, answerSpan };
})();
