import en from './en';
import zhCN from './zh-CN';

export type Locale = 'zh-CN' | 'en';
export type MessageKey = keyof typeof en;
export type Messages = Record<MessageKey, string>;

export const LOCALES: Locale[] = ['zh-CN', 'en'];
export const messages: Record<Locale, Messages> = { en, 'zh-CN': zhCN };

export type Params = Record<string, string | number>;

/** `{name}` placeholders are replaced by params; a missing key shows the key itself. */
export function translate(locale: Locale, key: MessageKey | string, params?: Params): string {
  const dict = messages[locale] as Record<string, string>;
  let s = dict[key] ?? (messages.en as Record<string, string>)[key] ?? key;
  if (params) s = s.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m));
  return s;
}

/** The placeholders a message uses, sorted: "Hello {name}, {count}" → ["count", "name"]. */
export function placeholders(s: string): string[] {
  return [...new Set([...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]))].sort();
}

export function isLocale(v: unknown): v is Locale {
  return v === 'zh-CN' || v === 'en';
}

/** The locale to start with: a saved choice, else the browser's language (zh → zh-CN),
 * else zh-CN, the org default. */
export function initialLocale(saved: string | null, browser: readonly string[] | undefined): Locale {
  if (isLocale(saved)) return saved;
  for (const l of browser ?? []) {
    if (l.toLowerCase().startsWith('zh')) return 'zh-CN';
    if (l.toLowerCase().startsWith('en')) return 'en';
  }
  return 'zh-CN';
}
