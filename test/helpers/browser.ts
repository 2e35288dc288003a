// A real headless browser for page tests: Debian's chromium driven by playwright-core. Without the binary the test
// is skipped with a message locally, and fails in CI (CI=true), where it must be there — like helpers/redis.ts.
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

export async function launchChromium(t: TestContext): Promise<Browser | null> {
  if (!existsSync(CHROMIUM)) {
    const why = `no chromium at ${CHROMIUM}: install it (apt-get install chromium) or set CHROMIUM_BIN`;
    if (process.env.CI === 'true') throw new Error(`${why} — in CI the browser tests must run`);
    t.skip(why);
    return null;
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 60_000,
  });
  t.after(() => browser.close());
  return browser;
}

// Page-side code: the tests' TypeScript has no DOM types (a string then), and tsx would wrap a named function
// declared inside it in a helper (__name) the page does not have (so none is).
/** How many pixels the page is wider than its window (> 0: it scrolls sideways). */
export const sidewaysScroll = (page: Page): Promise<number> => page.evaluate('document.documentElement.scrollWidth - window.innerWidth') as Promise<number>;

/** A computed CSS property (e.g. `background-color`) of the first element the locator finds. */
export const styleOf = (locator: Locator, property: string): Promise<string> =>
  locator.first().evaluate((e, name) => e.ownerDocument.defaultView?.getComputedStyle(e).getPropertyValue(name) ?? '', property);
