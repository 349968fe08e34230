// Browser journey through the hub's staff desk and admin console (issue 5),
// in headless Debian chromium driven by playwright-core:
//   an editor logs in and drafts a real policy; three reviewers (初审, 复审,
//   终审) and an approver take it through; it is published and shows up on
//   the county's site; an admin sees it live at the county on the release's
//   propagation page. axe-core runs on every desk and console page visited
//   and must find no serious or critical violation. Screenshots go to --out.
//
//   node tests/browser/desk_journey.mjs --hub <url> --county <url> \
//     --county-code 330106 --users <users.json> --doc <doc.json> --out <dir>
//
// users.json: {"editor": {"username", "password"}, "reviewers": [3 of them],
//              "approver": {...}, "admin": {...}}
// doc.json: {"title", "doc_number", "authority", "signed_date", "body_markdown"}
// Prints "N passed, M failed" and the release id as "release_id=<id>";
// exits non-zero on any failure.
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_PATH = require.resolve('axe-core/axe.min.js');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const BLOCKING = new Set(['serious', 'critical']);

function parseArgs(argv) {
  const a = {};
  for (let i = 2; i < argv.length; i += 2) a[argv[i].replace(/^--/, '')] = argv[i + 1];
  for (const k of ['hub', 'county', 'users', 'doc', 'out']) {
    if (!a[k]) {
      console.error('usage: desk_journey.mjs --hub URL --county URL [--county-code C] ' +
        '--users users.json --doc doc.json --out DIR');
      process.exit(2);
    }
  }
  a['county-code'] = a['county-code'] || '330106';
  a.out = resolve(a.out);
  return a;
}

const args = parseArgs(process.argv);
const users = JSON.parse(readFileSync(args.users, 'utf8'));
const doc = JSON.parse(readFileSync(args.doc, 'utf8'));
const hub = args.hub.replace(/\/$/, '');
mkdirSync(args.out, { recursive: true });

let passed = 0, failed = 0;
const axeReport = {};
function check(name, ok, detail = '') {
  if (ok) { passed++; console.log(`PASS ${name}`); } else { failed++; console.log(`FAIL ${name} ${detail}`); }
  return ok;
}

async function axe(page, label) {
  // The desk's CSP forbids every script; the context bypasses CSP so that
  // axe can be injected (the page itself ships none).
  await page.addScriptTag({ path: AXE_PATH });
  const r = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
  }));
  const blocking = r.violations.filter((v) => BLOCKING.has(v.impact));
  axeReport[label] = r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length,
    targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  check(`axe ${label}: no serious or critical violation`, blocking.length === 0,
    JSON.stringify(axeReport[label]));
  await page.screenshot({ path: join(args.out, `${label}.png`), fullPage: true });
}

async function login(browser, user, label) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
  const page = await context.newPage();
  await page.goto(`${hub}/desk/login`);
  if (label) await axe(page, label);
  await page.fill('#username', user.username);
  await page.fill('#password', user.password);
  await Promise.all([page.waitForNavigation(), page.click('form.login-form button[type=submit]')]);
  check(`${user.username} logs in`, !page.url().includes('/desk/login'), page.url());
  return { context, page };
}

async function openDraftFromQueue(page, title, label) {
  await page.goto(`${hub}/desk/queue`);
  if (label) await axe(page, label);
  const link = page.locator('table.drafts a', { hasText: title }).first();
  const found = await link.count() > 0;
  check(`queue of ${label || 'user'} lists the draft`, found);
  if (found) await Promise.all([page.waitForNavigation(), link.click()]);
  return found;
}

async function stateText(page) {
  return (await page.locator('dl.facts .badge').first().textContent() || '').trim();
}

async function main() {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  let releaseId = '';
  try {
    // 1. The editor drafts a real policy and submits it.
    const ed = await login(browser, users.editor, 'login');
    await ed.page.goto(`${hub}/desk/compose`);
    await axe(ed.page, 'compose');
    await ed.page.fill('#title', doc.title);
    await ed.page.fill('#doc_number', doc.doc_number || '');
    await ed.page.fill('#authority', doc.authority);
    if (doc.signed_date) await ed.page.fill('#signed_date', doc.signed_date);
    const topic = ed.page.locator('input[name=topics]').first();
    if (await topic.count() > 0) await topic.check();
    await ed.page.check('input[name=body_format][value=markdown]');
    await ed.page.fill('#body', doc.body_markdown);
    await Promise.all([ed.page.waitForNavigation(), ed.page.click('form.form-wide button[type=submit]')]);
    const draftUrl = ed.page.url();
    check('the draft is saved and shown', /\/desk\/drafts\/\d+/.test(draftUrl), draftUrl);
    await axe(ed.page, 'draft-new');
    releaseId = (await ed.page.locator('dl.facts dd.mono a').first().textContent()).trim();
    check('the draft has a release id', releaseId.length > 0);
    const bodyShown = await ed.page.locator('article.preview .body').innerHTML();
    check('the Markdown body is rendered as HTML', /<(h2|p|ol|ul)>/.test(bodyShown));
    // An attachment, uploaded as multipart through the draft page's form.
    const attachment = join(args.out, '附件1-政策问答.txt');
    writeFileSync(attachment, `${doc.title}\n政策问答（测试附件）\n`);
    await ed.page.setInputFiles('#file', attachment);
    await Promise.all([ed.page.waitForNavigation(),
      ed.page.click('form[action$="/attachments"] button')]);
    const attLink = ed.page.locator('ul.attachments a', { hasText: '附件1-政策问答.txt' });
    check('the attachment is listed on the draft', await attLink.count() === 1);
    if (await attLink.count() === 1) {
      const href = await attLink.getAttribute('href');
      const res = await ed.page.request.get(href);
      check('the attachment is served by its SHA-256 with the uploaded bytes',
        res.status() === 200 && (await res.text()).includes('政策问答'), String(res.status()));
    }
    await Promise.all([ed.page.waitForNavigation(), ed.page.click('form[action$="/submit"] button')]);
    check('submitted: at 初审', (await stateText(ed.page)).includes('初审'), await stateText(ed.page));

    // 2. Three different reviewers take 初审, 复审, 终审.
    const levels = ['初审', '复审', '终审'];
    for (let i = 0; i < 3; i++) {
      const rv = await login(browser, users.reviewers[i]);
      if (await openDraftFromQueue(rv.page, doc.title, i === 0 ? 'queue-reviewer' : '')) {
        if (i === 0) await axe(rv.page, 'draft-review');
        await rv.page.fill('#review-comment', `${levels[i]}通过：内容、文号与发文机关核对无误（${users.reviewers[i].username}）`);
        await Promise.all([rv.page.waitForNavigation(),
          rv.page.click('form[action$="/review"] button[value=pass]')]);
        const s = await stateText(rv.page);
        const want = i < 2 ? levels[i + 1] : '待签发';
        check(`${levels[i]} passed by ${users.reviewers[i].username}; now ${want}`, s.includes(want), s);
      }
      await rv.context.close();
    }

    // 3. The approver signs off and publishes.
    const ap = await login(browser, users.approver);
    if (await openDraftFromQueue(ap.page, doc.title, 'queue-approver')) {
      await ap.page.fill('#approve-comment', '同意发布。');
      await Promise.all([ap.page.waitForNavigation(),
        ap.page.click('form[action$="/approve"] button[value=approve]')]);
      check('approved', (await stateText(ap.page)).includes('已签发'), await stateText(ap.page));
      await axe(ap.page, 'draft-approved');
      await Promise.all([ap.page.waitForNavigation(), ap.page.click('form[action$="/publish"] button')]);
      check('published', (await stateText(ap.page)).includes('已发布'), await stateText(ap.page));
      await ap.page.click('a[href^="/desk/releases/"]');
      await ap.page.waitForLoadState();
      await axe(ap.page, 'release-history');
      const hist = ap.page.locator('a', { hasText: /^\d+$/ }).first();
      if (await hist.count() > 0) {
        await Promise.all([ap.page.waitForNavigation(), hist.click()]);
      }
    }
    await ap.context.close();

    // 4. The county's own site carries it.
    const started = Date.now();
    let atCounty = false;
    const page = await (await browser.newContext({ bypassCSP: true })).newPage();
    while (!atCounty && Date.now() - started < 60000) {
      const res = await page.goto(`${args.county.replace(/\/$/, '')}/`);
      atCounty = res.ok() && (await page.content()).includes(doc.title);
      if (!atCounty) await page.waitForTimeout(300);
    }
    check(`the county site lists it (${((Date.now() - started) / 1000).toFixed(1)} s after publish)`, atCounty);
    if (atCounty) await page.screenshot({ path: join(args.out, 'county-home.png'), fullPage: true });

    // 5. The admin sees it live at the county on the propagation page, and
    //    every console and admin page passes axe.
    const ad = await login(browser, users.admin);
    const propagation = `${hub}/console/releases/${releaseId}`;
    let liveAtCounty = false;
    for (let tries = 0; tries < 60 && !liveAtCounty; tries++) {
      await ad.page.goto(propagation);
      const cell = ad.page.locator(`[data-node="${args['county-code']}"]`).first();
      liveAtCounty = await cell.count() > 0 &&
        (await cell.getAttribute('data-stage')) === 'live';
      if (!liveAtCounty) await ad.page.waitForTimeout(500);
    }
    check('the propagation page shows the release live at the county', liveAtCounty);
    await axe(ad.page, 'console-release');
    const pages = {
      'console-tree': '/console',
      'console-tree-filtered': '/console?state=OK&level=county',
      'console-node': `/console/nodes/${args['county-code']}`,
      'console-releases': '/console/releases',
      'desk-drafts': '/desk/drafts',
      'desk-audit': '/desk/audit?verify=1',
      'desk-topics': '/desk/topics',
      'desk-users': '/desk/users',
      'desk-tokens': '/desk/tokens',
      'desk-sources': '/desk/sources',
    };
    for (const [label, path] of Object.entries(pages)) {
      const res = await ad.page.goto(`${hub}${path}`);
      check(`${path} answers 200`, res.status() === 200, String(res.status()));
      await axe(ad.page, label);
    }
    const auditText = await ad.page.goto(`${hub}/desk/audit?verify=1`).then(() => ad.page.content());
    check('the audit viewer reports an intact chain', auditText.includes('审计链完整'));
    await ad.context.close();
  } finally {
    await browser.close();
    writeFileSync(join(args.out, 'axe-report.json'), JSON.stringify(axeReport, null, 2));
  }
  console.log(`release_id=${releaseId}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
}

main().catch((e) => { console.error(e); process.exit(1); });
