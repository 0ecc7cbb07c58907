// A sweep's comparison: one row per grid point with its run's state and final metrics, the best
// run marked; refreshed every 5 seconds.
'use strict';

(() => {
  const { api, element: el, say, number, UUID_PATTERN } = Grpo;
  const id = new URLSearchParams(location.search).get('id') || '';
  const METRICS = ['reward_mean', 'reward_std', 'kl', 'eval_accuracy', 'eval_format_rate'];
  let controls;
  let timer = null;

  function render(sweep) {
    document.getElementById('sweep-name').textContent = 'Sweep ' + sweep.name;
    const axes = Object.keys(sweep.grid || {});
    const best = sweep.runs.find((r) => r.runId === sweep.best);
    document.getElementById('sweep-best').textContent = best
      ? 'Best by ' + sweep.bestBy + ': ' + best.name
      : 'No run has a result yet.';
    document.querySelector('#sweep-runs thead').replaceChildren(el('tr', {},
      el('th', { text: 'run' }), ...axes.map((a) => el('th', { text: a })),
      el('th', { text: 'state' }), el('th', { text: 'step' }),
      ...METRICS.map((m) => el('th', { text: m }))));
    document.querySelector('#sweep-runs tbody').replaceChildren(...sweep.runs.map((r) =>
      el('tr', { 'data-run': r.runId, class: r.runId === sweep.best ? 'best' : null },
        el('td', {}, el('a', { href: 'run.html?id=' + r.runId, text: r.name })),
        ...axes.map((a) => el('td', { text: r.point[a] === undefined ? '–' : r.point[a] })),
        el('td', {}, el('span', { class: 'state ' + r.state, text: r.state })),
        el('td', { text: r.currentStep }),
        ...METRICS.map((m) => el('td', {
          text: number(r.finalMetrics ? r.finalMetrics[m] : null)
        })))));
  }

  async function refresh() {
    clearTimeout(timer);
    if (!UUID_PATTERN.test(id)) {
      say(id ? '"' + id + '" is not a sweep id.' : 'No sweep was named: open one from a run.');
      return;
    }
    try {
      render(await api('/api/v1/sweeps/' + id));
      say(null);
      timer = setTimeout(refresh, 5000);
    } catch (error) {
      if (error.status === 401) controls.refused(error);
      else if (error.status === 404) say('There is no sweep with the id ' + id + '.');
      else {
        say(error.message);
        timer = setTimeout(refresh, 5000);
      }
    }
  }

  controls = Grpo.page(refresh);
})();
