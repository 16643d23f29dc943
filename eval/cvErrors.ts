/**
 * `[CV_SEED=n] npx tsx eval/cvErrors.ts [blend] [--dump file]`: one cross-validation pass (5 folds, both locales, one blend)
 * judged with nested calibration as `--cv` judges it, then the most frequent confusions (expected -> got) per
 * locale with example utterances. For error analysis of the training data only; never reads the dev set.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_POLICY_FILES, REPO_ROOT } from '../config/config.js';
import { decide } from '../knowledge/decide.js';
import { chooseCalibrated, chooseThresholds, crossValidateLocale, judge, nestedCalibrators, UNDERSTANDING_DEFAULTS, type HeldOut } from './crossValidate.js';

const args = process.argv.slice(2);
const blend = Number(args.find((a) => /^[\d.]+$/.test(a)) ?? 0.25);
const dumpAt = args.indexOf('--dump');
const started = performance.now();
const settings = { ...UNDERSTANDING_DEFAULTS, blend };
const held: HeldOut[] = DEFAULT_POLICY_FILES.flatMap((f) => crossValidateLocale(path.resolve(REPO_ROOT, f), 5, settings));
const chosen = chooseCalibrated(held, chooseThresholds(held, settings).settings);
const calibrationOf = nestedCalibrators(held);
console.log(`blend ${blend}: ${(100 * chosen.accuracy).toFixed(2)}% at the traffic mix, plain ${(100 * chosen.plainAccuracy).toFixed(2)}%, `
  + `calibrated threshold ${chosen.settings.calibratedThreshold}, flow ${chosen.settings.flowThreshold} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
for (const [g, b] of [...chosen.byGroup].sort(([a], [b]) => a.localeCompare(b))) console.log(`  ${g.padEnd(40)} ${(100 * b.right / b.total).toFixed(1)}% (${b.right}/${b.total})`);

// Per-utterance outcomes under the chosen settings with the nested calibrators (as accuracy was computed).
const rows: { locale: string; key: string; text: string; got: string; right: boolean; top: string; score: number; lse?: number; kfs?: number; kws: number; pm: number; unseen: boolean; alsoRight?: readonly string[] }[] = [];
const perFold = (h: HeldOut): typeof chosen.settings => ({ ...chosen.settings, calibration: calibrationOf(h) });
for (const h of held) {
  if (h.homophoneTypo) continue;
  const s = perFold(h);
  const d = decide(h.text, h.understood, s);
  const got = d.kind === 'answer' ? d.passageId : d.kind === 'flow' ? `flow:${d.flow}` : d.kind === 'smallTalk' ? `small:${d.intent}` : `fallback(${d.kind === 'fallback' ? d.reason : ''})`;
  rows.push({ locale: h.locale, key: h.key, text: h.text, got, right: judge(h, s).right, top: h.understood.ranked[0]!.key, score: h.understood.ranked[0]!.score, lse: h.understood.evidence?.logSumExp, kfs: h.understood.evidence?.knownFeatureShare, kws: h.understood.knownWordShare, pm: h.understood.passageMass, unseen: h.unseenTopic, ...(h.alsoRight ? { alsoRight: h.alsoRight } : {}) });
}
if (dumpAt >= 0) fs.writeFileSync(args[dumpAt + 1]!, JSON.stringify(rows));
for (const locale of [...new Set(rows.map((r) => r.locale))]) {
  const wrong = rows.filter((r) => r.locale === locale && !r.right);
  const pairs = new Map<string, string[]>();
  for (const r of wrong) {
    const expected = r.key.startsWith('none:') || r.key.startsWith('small:') ? 'fallback/small' : r.key;
    const got = r.got.startsWith('fallback') ? r.got : r.got;
    const k = `${expected} -> ${got}`;
    pairs.set(k, [...(pairs.get(k) ?? []), r.text]);
  }
  console.log(`\n${locale}: ${wrong.length} wrong`);
  for (const [k, texts] of [...pairs].sort((a, b) => b[1].length - a[1].length).slice(0, 40)) {
    console.log(`${String(texts.length).padStart(4)}  ${k}    e.g. ${texts.slice(0, 3).map((t) => JSON.stringify(t)).join(' | ')}`);
  }
}

