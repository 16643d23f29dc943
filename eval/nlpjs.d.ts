// NLP.js ships no type declarations; eval/compareModels.ts uses only these.
declare module '@nlpjs/core' {
  export function containerBootstrap(): Promise<{ use(plugin: unknown): void }>;
}
declare module '@nlpjs/nlu' {
  export class NluNeural {
    constructor(settings: { container: unknown; locale: string; log?: boolean });
    train(corpus: { utterance: string; intent: string }[]): Promise<unknown>;
    process(text: string): Promise<{ classifications?: { intent: string; score: number }[] }>;
  }
}
declare module '@nlpjs/lang-en-min' {
  export const LangEn: unknown;
}
declare module '@nlpjs/lang-zh' {
  export const LangZh: unknown;
}
