// The run console's shared part: the API key (typed in once per browser session, kept in
// sessionStorage, sent only as an Authorization header), API calls that turn every failure into a
// sentence for the page, and server-sent events read through fetch so the key never goes in a URL.
'use strict';

const Grpo = (() => {
  const KEY = 'grpo.apiKey';
  const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

  /** A failed call, with a message fit for the page (never a stack trace). */
  class ApiError extends Error {
    constructor(status, problem, message) {
      super(message);
      this.status = status;
      this.problem = problem;
    }
  }

  function key() {
    return sessionStorage.getItem(KEY);
  }

  function messageFor(status, problem) {
    const detail = problem && typeof problem.detail === 'string' ? problem.detail : null;
    switch (status) {
      case 401:
        return 'The API key was refused (401 Unauthorized). Enter the key the trainer was started'
          + ' with (./grpo up prints it).';
      case 403:
        return 'This key may only read (403 Forbidden): pausing, resuming, cancelling and creating'
          + ' runs need the API key.';
      case 404:
        return detail ? 'Not found: ' + detail + '.' : 'Not found (404).';
      case 409:
        return 'Not possible now: ' + (detail || 'the run is in another state') + '.';
      case 503:
        return 'A service the trainer needs is unavailable (503)'
          + (detail ? ': ' + detail : '') + '. Try again when it is up.';
      default:
        if (status >= 500) {
          return 'The trainer could not answer (' + status + ')'
            + (detail ? ': ' + detail : '') + '.';
        }
        return (problem && problem.title ? problem.title : 'Request refused (' + status + ')')
          + (detail ? ': ' + detail : '') + '.';
    }
  }

  async function readProblem(response) {
    try {
      return JSON.parse(await response.text());
    } catch (e) {
      return null;
    }
  }

  function unreachable() {
    return new ApiError(0, null, 'The trainer service at ' + location.host
      + ' cannot be reached. Is it running?');
  }

  /** Calls the API with the session's key; resolves to the JSON body, or rejects with ApiError. */
  async function api(path, options = {}) {
    const k = key();
    if (!k) {
      throw new ApiError(401, null, 'Enter the API key first.');
    }
    const headers = { Authorization: 'Bearer ' + k, Accept: 'application/json' };
    let body;
    if (options.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    }
    let response;
    try {
      response = await fetch(path, {
        method: options.method || 'GET', headers, body, cache: 'no-store', credentials: 'omit'
      });
    } catch (e) {
      throw unreachable();
    }
    if (!response.ok) {
      const problem = await readProblem(response);
      throw new ApiError(response.status, problem, messageFor(response.status, problem));
    }
    const text = await response.text();
    return text ? JSON.parse(text) : null;
  }

  /**
   * Follows a server-sent event stream through fetch (EventSource cannot send a header). Calls
   * onEvent(name, data, id) per event, onEnd() when the stream closes after an 'end' event, and
   * onDrop(error) when it fails or closes early. Returns {close()}.
   */
  function follow(path, { lastEventId, onOpen, onEvent, onEnd, onDrop }) {
    const abort = new AbortController();
    (async () => {
      const headers = { Authorization: 'Bearer ' + (key() || ''), Accept: 'text/event-stream' };
      if (lastEventId !== null && lastEventId !== undefined) {
        headers['Last-Event-ID'] = String(lastEventId);
      }
      let response;
      try {
        response = await fetch(path, {
          headers, signal: abort.signal, cache: 'no-store', credentials: 'omit'
        });
      } catch (e) {
        if (!abort.signal.aborted) onDrop(unreachable());
        return;
      }
      if (!response.ok) {
        const problem = await readProblem(response);
        onDrop(new ApiError(response.status, problem, messageFor(response.status, problem)));
        return;
      }
      if (onOpen) onOpen();
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      let name = 'message';
      let data = [];
      let id = null;
      let ended = false;
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let newline;
          while ((newline = buffer.indexOf('\n')) >= 0) {
            let line = buffer.slice(0, newline);
            buffer = buffer.slice(newline + 1);
            if (line.endsWith('\r')) line = line.slice(0, -1);
            if (line === '') {
              if (data.length > 0) {
                if (name === 'end') ended = true;
                onEvent(name, data.join('\n'), id);
              }
              name = 'message';
              data = [];
              id = null;
              continue;
            }
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            let text = colon < 0 ? '' : line.slice(colon + 1);
            if (text.startsWith(' ')) text = text.slice(1);
            if (field === 'event') name = text;
            else if (field === 'data') data.push(text);
            else if (field === 'id') id = text;
          }
        }
      } catch (e) {
        if (abort.signal.aborted) return;
      }
      if (abort.signal.aborted) return;
      if (ended) {
        onEnd();
      } else {
        onDrop(new ApiError(0, null, 'the stream closed before the run ended'));
      }
    })();
    return { close: () => abort.abort() };
  }

  function element(tag, attributes = {}, ...children) {
    const e = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value === null || value === undefined || value === false) continue;
      if (name === 'class') e.className = value;
      else if (name === 'text') e.textContent = value;
      else if (name.startsWith('on')) e.addEventListener(name.slice(2), value);
      else e.setAttribute(name, value === true ? '' : value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      e.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return e;
  }

  /** Shows a message in the page's banner ('error', 'warning' or 'info'); null clears it. */
  function say(message, kind = 'error') {
    const banner = document.getElementById('message');
    banner.textContent = message || '';
    banner.className = message ? 'message ' + kind : 'message';
    banner.hidden = !message;
  }

  function number(value, digits = 3) {
    if (value === null || value === undefined || Number.isNaN(value)) return '–';
    return Number(value).toFixed(digits);
  }

  /**
   * Wires the key form of the page header and starts the page once a key is known. A refused key
   * (401) brings the form back with the message; start(refusal) is called again after a new key.
   */
  function page(start) {
    const form = document.getElementById('key-form');
    const input = document.getElementById('api-key');
    const status = document.getElementById('key-status');
    const forget = document.getElementById('key-forget');
    const main = document.querySelector('main');

    function showForm() {
      form.hidden = false;
      status.hidden = true;
      main.hidden = true;
      input.focus();
    }

    function showPage() {
      form.hidden = true;
      status.hidden = false;
      main.hidden = false;
    }

    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const value = input.value.trim();
      if (!value) {
        say('Enter the API key.');
        return;
      }
      sessionStorage.setItem(KEY, value);
      input.value = '';
      say(null);
      showPage();
      start();
    });
    forget.addEventListener('click', () => {
      sessionStorage.removeItem(KEY);
      location.reload();
    });
    if (key()) {
      showPage();
      start();
    } else {
      showForm();
    }
    return {
      /** Handles a refused key: the message stays, the form comes back. */
      refused(error) {
        sessionStorage.removeItem(KEY);
        say(error.message);
        showForm();
      }
    };
  }

  return { ApiError, api, follow, element, say, number, page, UUID_PATTERN };
})();
