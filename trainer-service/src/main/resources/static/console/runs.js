// The runs list: newest first, filtered by state, with each run's step, last reward and last
// held-out accuracy; refreshed every 5 seconds.
'use strict';

(() => {
  const { api, element: el, say, number } = Grpo;
  const PAGE_SIZE = 20;
  let page = 0;
  let timer = null;
  let controls;

  const filter = document.getElementById('state-filter');
  const body = document.querySelector('#runs tbody');

  filter.value = new URLSearchParams(location.search).get('state') || '';
  filter.addEventListener('change', () => {
    page = 0;
    history.replaceState(null, '', filter.value ? '?state=' + filter.value : './');
    refresh();
  });
  document.getElementById('runs-prev').addEventListener('click', () => {
    page = Math.max(0, page - 1);
    refresh();
  });
  document.getElementById('runs-next').addEventListener('click', () => {
    page += 1;
    refresh();
  });

  async function lastStepAndEval(run) {
    const last = run.currentStep - 1;
    const [steps, evals] = await Promise.all([
      last >= 0
        ? api('/api/v1/runs/' + run.id + '/steps?from=' + last + '&limit=1')
        : Promise.resolve({ steps: [] }),
      api('/api/v1/runs/' + run.id + '/evals')
    ]);
    const step = steps.steps.find((s) => s.state === 'DONE');
    const evaluation = evals.evals.length ? evals.evals[evals.evals.length - 1] : null;
    return { step, evaluation };
  }

  function row(run, extra) {
    const total = run.spec && run.spec.schedule ? run.spec.schedule.steps : '?';
    const metrics = extra.step ? extra.step.metrics : null;
    const reward = metrics
      ? number(metrics.reward_mean) + ' ± ' + number(metrics.reward_std)
      : '–';
    const accuracy = extra.evaluation
      ? number(extra.evaluation.metrics.accuracy) + ' @ step ' + extra.evaluation.step
      : '–';
    return el('tr', { 'data-run': run.id },
      el('td', {}, el('a', { href: 'run.html?id=' + run.id, text: run.name || run.id })),
      el('td', {}, el('span', { class: 'state ' + run.state, text: run.state })),
      el('td', { class: 'step', text: run.currentStep + ' / ' + total }),
      el('td', { class: 'reward', text: reward }),
      el('td', { class: 'accuracy', text: accuracy }),
      el('td', { text: new Date(run.createdAt).toLocaleString() }),
      el('td', {}, run.sweepId
        ? el('a', { href: 'sweep.html?id=' + run.sweepId, text: 'compare' })
        : '–'));
  }

  async function refresh() {
    clearTimeout(timer);
    try {
      const query = '?page=' + page + '&size=' + PAGE_SIZE
        + (filter.value ? '&state=' + filter.value : '');
      const runs = await api('/api/v1/runs' + query);
      const extras = await Promise.all(runs.items.map((run) =>
        lastStepAndEval(run).catch(() => ({}))));
      body.replaceChildren(...runs.items.map((run, i) => row(run, extras[i])));
      document.getElementById('runs-empty').hidden = runs.items.length > 0;
      document.getElementById('runs-page').textContent =
        'page ' + (page + 1) + ' of ' + Math.max(1, runs.totalPages)
        + ' (' + runs.totalItems + ' runs)';
      document.getElementById('runs-prev').disabled = page === 0;
      document.getElementById('runs-next').disabled = page + 1 >= runs.totalPages;
      say(null);
      timer = setTimeout(refresh, 5000);
    } catch (error) {
      if (error.status === 401) {
        controls.refused(error);
        return;
      }
      say(error.message);
      timer = setTimeout(refresh, 5000);
    }
  }

  controls = Grpo.page(refresh);
})();
