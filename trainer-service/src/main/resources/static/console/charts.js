// Line charts of per-step values, drawn with uPlot (served from its webjar). Values are kept per
// step, so a step sent again (a retried step) replaces its point instead of adding one.
'use strict';

const Charts = (() => {
  const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

  /** Fractions on [0, 1]; a flat or empty series a unit around its value (not uPlot's 0-100). */
  function yRange(unit, min, max) {
    if (min === null || max === null) return [0, 1];
    if (unit === 'fraction') return [Math.min(0, min), Math.max(1, max)];
    if (min === max) return [min - 0.5, max + 0.5];
    const pad = (max - min) * 0.05;
    return [min - pad, max + pad];
  }

  class StepChart {
    /**
     * @param container where the chart goes
     * @param spec {id, title, unit, series: [label...], band: true to draw series 0 ± series 1}
     */
    constructor(container, spec) {
      this.spec = spec;
      this.values = new Map();
      this.frame = 0;
      this.box = Grpo.element('figure', { id: 'chart-' + spec.id, class: 'chart', 'data-points': 0 },
        Grpo.element('figcaption', { text: spec.title }));
      container.append(this.box);
      const series = [{ label: 'step' }];
      if (spec.band) {
        series.push({ label: spec.series[0], stroke: COLORS[0], width: 2 });
        series.push({ label: '+ ' + spec.series[1], stroke: 'rgba(31,119,180,0.3)', width: 1 });
        series.push({ label: '− ' + spec.series[1], stroke: 'rgba(31,119,180,0.3)', width: 1 });
      } else {
        spec.series.forEach((label, i) =>
          series.push({ label, stroke: COLORS[i % COLORS.length], width: 2, spanGaps: false }));
      }
      const options = {
        width: 520,
        height: 220,
        scales: { x: { time: false }, y: { range: (u, min, max) => yRange(spec.unit, min, max) } },
        series,
        axes: [{ label: 'step' }, { label: spec.unit || '' }],
        legend: { live: true }
      };
      if (spec.band) {
        options.bands = [{ series: [2, 3], fill: 'rgba(31,119,180,0.15)' }];
      }
      this.plot = new uPlot(options, this.data(), this.box);
    }

    /** Sets the values (one per series label, null for none) of one step. */
    set(step, values) {
      this.values.set(step, values);
      if (!this.frame) {
        this.frame = requestAnimationFrame(() => {
          this.frame = 0;
          this.plot.setData(this.data());
          this.box.setAttribute('data-points', this.values.size);
        });
      }
    }

    data() {
      const steps = [...this.values.keys()].sort((a, b) => a - b);
      const columns = [steps];
      const width = this.spec.band ? 3 : this.spec.series.length;
      for (let i = 0; i < width; i++) columns.push([]);
      for (const step of steps) {
        const v = this.values.get(step);
        if (this.spec.band) {
          const [mean, std] = v;
          columns[1].push(mean);
          columns[2].push(mean === null || std === null ? null : mean + std);
          columns[3].push(mean === null || std === null ? null : mean - std);
        } else {
          v.forEach((value, i) => columns[i + 1].push(value));
        }
      }
      return columns;
    }
  }

  function value(object, path) {
    let v = object;
    for (const part of path.split('.')) {
      if (v === null || v === undefined) return null;
      v = v[part];
    }
    return typeof v === 'number' ? v : null;
  }

  /** The run page's charts, fed with step rows and evaluations. */
  function runCharts(container) {
    const step = (id, title, unit, keys, band) => ({
      chart: new StepChart(container, { id, title, unit, series: keys, band }), keys
    });
    const fromMetrics = [
      step('reward', 'Reward mean ± std', 'reward', ['reward_mean', 'reward_std'], true),
      step('kl', 'KL to the reference policy', 'nats', ['kl']),
      step('clip', 'Clip ratio', 'fraction',
        ['clip_ratio_low', 'clip_ratio_high', 'clip_ratio_region']),
      step('entropy', 'Entropy', 'nats', ['entropy']),
      step('length', 'Completion length', 'tokens',
        ['completion_length_mean', 'completion_length_max'])
    ];
    const phases = step('phases', 'Step phase times', 'seconds',
      ['rollout', 'scoring', 'training', 'sync', 'checkpoint']);
    const heldOut = step('eval', 'Held-out accuracy', 'fraction', ['accuracy', 'format_rate']);
    return {
      step(row) {
        for (const { chart, keys } of fromMetrics) {
          chart.set(row.step, keys.map((k) => value(row.metrics, k)));
        }
        phases.chart.set(row.step, phases.keys.map((k) => value(row.phaseTimings, k)));
      },
      evaluation(row) {
        heldOut.chart.set(row.step, heldOut.keys.map((k) => value(row.metrics, k)));
      }
    };
  }

  return { runCharts };
})();
