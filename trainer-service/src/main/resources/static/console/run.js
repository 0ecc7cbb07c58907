// The run page: the run's state with pause / resume / cancel, live charts fed by the run's event
// stream (reconnected with Last-Event-ID when it drops), and the samples browser.
'use strict';

(() => {
  const { api, follow, say, UUID_PATTERN } = Grpo;
  const id = new URLSearchParams(location.search).get('id') || '';
  const RECONNECT_MS = 2000;

  let controls;
  let run = null;
  let charts = null;
  let stream = null;
  let lastStepId = null;
  let poll = null;
  let gone = false;
  let reconnecting = false;
  let ended = false;

  const buttons = {
    pause: document.getElementById('pause'),
    resume: document.getElementById('resume'),
    cancel: document.getElementById('cancel')
  };

  function live(text, kind) {
    const e = document.getElementById('run-live');
    e.textContent = text;
    e.className = kind || '';
  }

  function show(view) {
    run = view;
    document.title = (view.name || view.id) + ' · GRPO run console';
    document.getElementById('run-name').textContent = view.name || view.id;
    const state = document.getElementById('run-state');
    state.textContent = view.state;
    state.className = 'state ' + view.state;
    const total = view.spec && view.spec.schedule ? view.spec.schedule.steps : '?';
    document.getElementById('run-step').textContent = view.currentStep + ' / ' + total;
    document.getElementById('run-version').textContent = view.policyVersion;
    const sweep = document.getElementById('run-sweep');
    sweep.replaceChildren(view.sweepId
      ? Grpo.element('a', { href: 'sweep.html?id=' + view.sweepId, text: 'compare the sweep' })
      : '–');
    const error = document.getElementById('run-error');
    error.hidden = !view.error;
    error.textContent = view.error ? 'The run failed: ' + view.error : '';
    buttons.pause.disabled = !['QUEUED', 'RUNNING'].includes(view.state);
    buttons.resume.disabled = view.state !== 'PAUSED';
    buttons.cancel.disabled = !['QUEUED', 'RUNNING', 'PAUSED'].includes(view.state);
  }

  /** The run is gone (deleted) or never was: say so and stop everything. */
  function vanished(error) {
    gone = true;
    clearTimeout(poll);
    if (stream) stream.close();
    Object.values(buttons).forEach((b) => { b.disabled = true; });
    live('stopped', 'bad');
    if (run) {
      const state = document.getElementById('run-state');
      state.textContent = 'DELETED';
      state.className = 'state FAILED';
    }
    say(run
      ? 'This run no longer exists: it was deleted while the page was open. '
        + 'Its charts show what was received before.'
      : 'There is no run with the id ' + id + '. ' + error.message, 'error');
  }

  function failed(error) {
    if (error.status === 401) {
      clearTimeout(poll);
      if (stream) stream.close();
      controls.refused(error);
    } else if (error.status === 404) {
      vanished(error);
    } else {
      say(error.message);
    }
  }

  async function refresh() {
    clearTimeout(poll);
    try {
      show(await api('/api/v1/runs/' + id));
      if (!gone) poll = setTimeout(refresh, 2000);
    } catch (error) {
      // while the stream reconnects, its message says more than "cannot be reached"
      if (!(reconnecting && error.status === 0)) failed(error);
      if (error.status !== 401 && error.status !== 404) poll = setTimeout(refresh, 4000);
    }
  }

  function connect() {
    if (gone) return;
    stream = follow('/api/v1/runs/' + id + '/events', {
      lastEventId: lastStepId,
      onOpen() {
        reconnecting = false;
        live('connected', 'good');
        say(null);
      },
      onEvent(name, data, eventId) {
        const row = JSON.parse(data);
        if (name === 'step') {
          if (row.state === 'DONE') {
            charts.step(row);
            if (eventId !== null) lastStepId = Number(eventId);
          } else {
            say('Step ' + row.step + ' failed (attempt ' + (row.metrics && row.metrics.attempt
              ? row.metrics.attempt : '?') + '); the trainer retries it or ends the run.', 'warning');
          }
        } else if (name === 'eval') {
          charts.evaluation(row);
        } else if (name === 'end') {
          ended = true;
          if (row.state === 'FAILED') {
            // the reason itself is in the run's error line, which the refresh below fills
            say('The run failed while this page was open'
              + (row.error ? '; the reason is below its state.' : ', and no reason was recorded.'),
              'error');
          } else if (row.state === 'CANCELLED') {
            say('The run was cancelled.', 'info');
          }
        }
      },
      onEnd() {
        live('run over', '');
        refresh();
      },
      onDrop(error) {
        if (error.status === 401 || error.status === 404) {
          failed(error);
          return;
        }
        reconnecting = true;
        live('reconnecting', 'bad');
        say('Live updates were interrupted (' + error.message.replace(/\.$/, '')
          + '); reconnecting every ' + RECONNECT_MS / 1000 + ' s.', 'warning');
        setTimeout(async () => {
          // the stream also drops when the run is deleted: ask for the run before reconnecting
          try {
            show(await api('/api/v1/runs/' + id));
            connect();
          } catch (e) {
            if (e.status === 401 || e.status === 404) failed(e);
            else connect();
          }
        }, RECONNECT_MS);
      }
    });
  }

  async function command(name) {
    Object.values(buttons).forEach((b) => { b.disabled = true; });
    try {
      show(await api('/api/v1/runs/' + id + '/' + name, { method: 'POST' }));
      say(null);
    } catch (error) {
      failed(error);
      refresh();
    }
  }

  async function start() {
    if (!UUID_PATTERN.test(id)) {
      say(id
        ? '"' + id + '" is not a run id: a run id looks like 0b9c1e2a-….'
        : 'No run was named: open a run from the runs list.');
      live('stopped', 'bad');
      return;
    }
    gone = false;
    try {
      show(await api('/api/v1/runs/' + id));
    } catch (error) {
      failed(error);
      return;
    }
    if (!charts) {
      charts = Charts.runCharts(document.getElementById('charts'));
      Samples.browser(id, failed);
      for (const name of Object.keys(buttons)) {
        buttons[name].addEventListener('click', () => command(name));
      }
    }
    connect();
    poll = setTimeout(refresh, 2000);
  }

  controls = Grpo.page(start);
  window.addEventListener('pagehide', () => {
    if (stream) stream.close();
  });
  // kept for the browser test: whether the stream has delivered its end event
  window.grpoRunEnded = () => ended;
})();
