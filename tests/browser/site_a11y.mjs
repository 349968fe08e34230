// Browser test of the rendered local site (issue 4): headless Debian chromium
// driven by playwright-core, axe-core on every page type, keyboard-only use,
// reflow at phone width, print styles, and a 375px screenshot as an artifact.
//
//   node tests/browser/site_a11y.mjs --dir <rendered site> --out <artifact dir>
//
// The site is served by a tiny static server on 127.0.0.1 (port 0). "/search"
// serves search.html, which localization_render_fixture pre-renders for the
// query 职业教育 (the agent renders it per request in production).
// Prints "N passed, M failed"; exits non-zero on any failure.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_PATH = require.resolve('axe-core/axe.min.js');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const BLOCKING = new Set(['serious', 'critical']);

function parseArgs(argv) {
  const args = {};
  for (let i = 2; i < argv.length; i += 2) args[argv[i].replace(/^--/, '')] = argv[i + 1];
  if ((!args.dir && !args.url) || !args.out) {
    console.error('usage: site_a11y.mjs (--dir <rendered site dir> | --url <running agent> ' +
      '[--gone <path of a withdrawn release>]) --out <artifact dir>');
    process.exit(2);
  }
  return { dir: args.dir && resolve(args.dir), url: args.url, gone: args.gone || '/releases/gone.html',
    out: resolve(args.out) };
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8', '.png': 'image/png' };

// Serves files from `root`; the request path is decoded once, as any web
// server does, which is why the site links "%25"-escaped file names.
function serve(root) {
  const server = createServer((req, res) => {
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (path === '/') path = '/index.html';
    if (path === '/search') path = '/search.html';
    if (path === '/releases/gone.html') {  // what the agent does for withdrawn releases
      res.writeHead(410, { 'content-type': TYPES['.html'] });
      res.end(readFileSync(join(root, path)));
      return;
    }
    const file = resolve(join(root, path));
    if (!file.startsWith(root + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if (!statSync(file).isFile()) throw new Error('not a file');
      res.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream' });
      res.end(readFileSync(file));
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

class Results {
  constructor() { this.passed = 0; this.failed = 0; }
  check(name, ok, detail = '') {
    if (ok) {
      this.passed++;
      console.log(`ok   ${name}`);
    } else {
      this.failed++;
      console.log(`FAIL ${name}${detail ? `: ${detail}` : ''}`);
    }
  }
}

async function runAxe(page) {
  await page.addScriptTag({ path: AXE_PATH });
  return page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
  }));
}

// Facts about a freshly loaded page, read before axe injects any script.
function pageFacts(page) {
  return page.evaluate(() => ({
    lang: document.documentElement.lang,
    h1: document.querySelectorAll('h1').length,
    scripts: document.scripts.length,
    landmarks: ['header', 'nav', 'main', 'footer'].every((t) => document.querySelector(t)),
    unlabelled: [...document.querySelectorAll('input, select, textarea')]
      .filter((e) => e.type !== 'hidden' && e.type !== 'submit' && !(e.labels && e.labels.length))
      .map((e) => e.name || e.id),
  }));
}

async function checkSkipLink(page, url, results, label) {
  await page.goto(url);
  await page.keyboard.press('Tab');
  const first = await page.evaluate(() => ({
    cls: document.activeElement.className,
    text: document.activeElement.textContent,
    outline: getComputedStyle(document.activeElement).outlineStyle,
    width: parseFloat(getComputedStyle(document.activeElement).outlineWidth),
    visible: document.activeElement.getBoundingClientRect().top >= 0,
  }));
  results.check(`${label}: first Tab focuses the skip link`,
    first.cls === 'skip-link' && first.text === '跳到主要内容', JSON.stringify(first));
  results.check(`${label}: focused skip link is visible with an outline`,
    first.visible && first.outline !== 'none' && first.width >= 2, JSON.stringify(first));
  await page.keyboard.press('Enter');
  const active = await page.evaluate(() => document.activeElement.id);
  results.check(`${label}: Enter on the skip link moves focus to main`, active === 'main', active);
}

// Presses Tab until `predicate` holds for the focused element (max `limit`).
async function tabUntil(page, predicate, limit = 60) {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(predicate)) return true;
  }
  return false;
}

async function keyboardJourney(page, base, results, out) {
  // Home -> first release, by keyboard only.
  await page.goto(`${base}/`);
  const onRelease = await tabUntil(page, () =>
    document.activeElement.matches('.release-list a'));
  results.check('keyboard: Tab reaches a release link on the home page', onRelease);
  if (onRelease) {
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    const layers = await page.$$eval('section.layer h2', (hs) => hs.map((h) => h.textContent));
    const text = await page.$('section.policy-text');
    results.check('keyboard: Enter follows the release; national text and three layers shown',
      text !== null && layers.length === 3 && /省级/.test(layers[0]) && /市级/.test(layers[1]) &&
        /县级/.test(layers[2]), JSON.stringify(layers));
  }
  // Search in Chinese from the home page, keyboard only.
  await page.goto(`${base}/`);
  const inSearch = await tabUntil(page, () => document.activeElement.name === 'q');
  results.check('keyboard: Tab reaches the search box', inSearch);
  if (inSearch) {
    await page.keyboard.type('职业教育');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    const url = decodeURIComponent(page.url());
    const marks = await page.$$eval('.results mark', (m) => m.map((e) => e.textContent));
    results.check('keyboard: Enter submits the Chinese query to /search',
      url.includes('/search?q=职业教育'), url);
    results.check('search: results highlight 职业教育', marks.includes('职业教育'),
      JSON.stringify(marks));
    const hit = await page.$('.results a');
    if (hit) {
      await Promise.all([page.waitForNavigation(), hit.focus().then(() => page.keyboard.press('Enter'))]);
      const h1 = await page.textContent('h1');
      results.check('search: the hit opens its release page', /职业教育/.test(h1), h1);
    }
  }
  await page.screenshot({ path: join(out, 'keyboard-journey.png') });
}

async function checkLayout(context, url, results, out, label) {
  const page = await context.newPage();
  await page.setViewportSize({ width: 375, height: 812 });
  await page.goto(url);
  const fits = await page.evaluate(() =>
    document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1);
  results.check(`${label}: no horizontal scrolling at 375px`, fits);
  await page.screenshot({ path: join(out, `${label}-375px.png`), fullPage: true });
  await page.setViewportSize({ width: 320, height: 640 });
  await page.evaluate(() => { document.documentElement.style.fontSize = '200%'; });
  const reflows = await page.evaluate(() =>
    document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1);
  results.check(`${label}: text at 200% still reflows at 320px`, reflows);
  await page.emulateMedia({ media: 'print' });
  const hidden = await page.evaluate(() =>
    ['.site-nav', '.skip-link'].every((s) => {
      const e = document.querySelector(s);
      return !e || getComputedStyle(e).display === 'none';
    }));
  results.check(`${label}: print stylesheet hides navigation`, hidden);
  await page.close();
}

async function main() {
  const { dir, url, gone, out } = parseArgs(process.argv);
  mkdirSync(out, { recursive: true });
  // Either a rendered directory served here, or a running agent serving its own site.
  const server = dir ? await serve(dir) : null;
  const base = server ? `http://127.0.0.1:${server.address().port}` : url.replace(/\/$/, '');
  const results = new Results();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const axeReport = {};
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${base}/`);
    const release = await page.getAttribute('.release-list li a', 'href');
    const repealedLink = await page.$('.release-list li:has(.tag-repealed) a');
    const repealed = repealedLink && await repealedLink.getAttribute('href');
    await page.goto(`${base}/topics/index.html`);
    const topic = await page.getAttribute('.topic-cards a', 'href');
    const pages = {
      home: `${base}/`,
      release: `${base}/${release}`,
      ...(repealed ? { repealed: `${base}/${repealed}` } : {}),
      topics: `${base}/topics/index.html`,
      topic: new URL(topic, `${base}/topics/index.html`).href,
      search: `${base}/search?q=${encodeURIComponent('职业教育')}`,
      gone: `${base}${gone}`,
    };
    for (const [label, url] of Object.entries(pages)) {
      const response = await page.goto(url);
      const expected = label === 'gone' ? 410 : 200;
      results.check(`${label}: HTTP ${expected}`, response.status() === expected, `${response.status()} ${url}`);
      const facts = await pageFacts(page);
      results.check(`${label}: lang zh-CN, one h1, landmarks, no script`,
        facts.lang === 'zh-CN' && facts.h1 === 1 && facts.landmarks && facts.scripts === 0,
        JSON.stringify(facts));
      results.check(`${label}: every form control has a label`, facts.unlabelled.length === 0,
        facts.unlabelled.join(','));
      const axe = await runAxe(page);
      const blocking = axe.violations.filter((v) => BLOCKING.has(v.impact));
      axeReport[label] = axe.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length,
        help: v.help, targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
      for (const v of axe.violations) {
        console.log(`  axe ${label}: ${v.impact} ${v.id} (${v.nodes.length}) ${v.help}`);
      }
      results.check(`${label}: axe-core reports no serious or critical violation`,
        blocking.length === 0, blocking.map((v) => v.id).join(','));
      await checkSkipLink(page, url, results, label);
      if (label !== 'gone') await checkLayout(context, url, results, out, label);
    }
    await keyboardJourney(page, base, results, out);
  } catch (e) {
    results.check('browser test ran to completion', false, e.stack || String(e));
  } finally {
    writeFileSync(join(out, 'axe-report.json'), JSON.stringify(axeReport, null, 2));
    await browser.close();
    if (server) server.close();
  }
  console.log(`${results.passed} passed, ${results.failed} failed`);
  process.exit(results.failed === 0 ? 0 : 1);
}

main();
