//! Accessibility in the real window: axe-core's WCAG 2.1 A and AA rules run
//! in the page, and the keyboard focus read as a person sees it.
//!
//! axe-core comes from the UI's dev dependencies (`ui/node_modules`, put
//! there by `npm ci`). WebDriver's scripts run in the page without going
//! through its Content-Security-Policy (WebKitWebDriver evaluates them
//! itself, as it does every other script of this harness), so the shipped
//! policy stays as strict as it is: `script-src 'self'`, no eval. The tests
//! still check that nothing tripped it.

use std::fmt;
use std::path::PathBuf;
use std::sync::OnceLock;

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;

use crate::{App, workspace_dir};

/// The WCAG 2.1 levels A and AA, as axe-core tags its rules.
pub const WCAG_21_AA: [&str; 4] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/// One rule broken, where, and what axe-core says about it.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Violation {
    /// The rule's id (`color-contrast`, `label`…).
    pub id: String,
    pub impact: Option<String>,
    pub help: String,
    pub nodes: Vec<Node>,
}

/// One element that breaks a rule.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Node {
    /// The element's CSS selector.
    pub target: String,
    /// axe-core's summary of what to fix.
    pub summary: String,
}

/// The violations found on one screen.
#[derive(Debug, Clone)]
pub struct Audit {
    /// What was on screen ("diary calendar, dark").
    pub screen: String,
    pub violations: Vec<Violation>,
}

impl fmt::Display for Audit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for v in &self.violations {
            writeln!(
                f,
                "{}: {} ({}, {} element(s)): {}",
                self.screen,
                v.id,
                v.impact.as_deref().unwrap_or("?"),
                v.nodes.len(),
                v.help
            )?;
            for n in &v.nodes {
                writeln!(
                    f,
                    "    {}\n      {}",
                    n.target,
                    n.summary.replace('\n', "\n      ")
                )?;
            }
        }
        Ok(())
    }
}

fn axe_path() -> PathBuf {
    workspace_dir().join("ui/node_modules/axe-core/axe.min.js")
}

fn axe_source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = axe_path();
        std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "axe-core is not at {} ({e}): run `npm ci` in ui/",
                path.display()
            )
        })
    })
}

const RUN_AXE: &str = r#"
    const [tags, done] = arguments;
    // Let arrivals and fades end: a half-faded word is not what a person reads.
    Promise.all(document.getAnimations()
        .filter((a) => a.effect?.getTiming().iterations !== Infinity)
        .map((a) => a.finished.catch(() => null)))
      .then(() => window.axe.run(document, {
        runOnly: { type: 'tag', values: tags },
        resultTypes: ['violations'],
      }))
      .then((r) => done(r.violations.map((v) => ({
        id: v.id,
        impact: v.impact ?? null,
        help: v.help,
        nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary ?? '' })),
      }))), (e) => done({ error: String(e) }));
"#;

/// Runs axe-core's WCAG 2.1 A and AA rules over the page as it is now (once
/// its finite animations have ended), and returns what it found on `screen`.
pub async fn audit(app: &App, screen: &str) -> Audit {
    let loaded = app.eval("return typeof window.axe").await;
    if loaded != "object" {
        let script = format!("{}\nreturn typeof window.axe;", axe_source());
        let loaded = app.eval(&script).await;
        assert_eq!(loaded, "object", "axe-core did not load in the page");
    }
    let found = app
        .client
        .execute_async(RUN_AXE, vec![serde_json::json!(WCAG_21_AA)])
        .await
        .unwrap_or_else(|e| panic!("axe-core could not run on {screen}: {e}"));
    let violations = serde_json::from_value(found.clone())
        .unwrap_or_else(|e| panic!("axe-core's answer on {screen}: {found} ({e})"));
    Audit {
        screen: screen.to_owned(),
        violations,
    }
}

/// Fails listing every violation (rule id, element, summary) when any of
/// `audits` found one.
pub fn assert_no_violations(audits: &[Audit]) {
    let broken: Vec<&Audit> = audits.iter().filter(|a| !a.violations.is_empty()).collect();
    if broken.is_empty() {
        return;
    }
    let rules: usize = broken.iter().map(|a| a.violations.len()).sum();
    let elements: usize = broken
        .iter()
        .flat_map(|a| &a.violations)
        .map(|v| v.nodes.len())
        .sum();
    let listed: String = broken.iter().map(ToString::to_string).collect();
    panic!(
        "{rules} WCAG 2.1 AA violation(s) on {elements} element(s), on {} of {} screens:\n{listed}",
        broken.len(),
        audits.len()
    );
}

// ---------------------------------------------------------------------------
// The keyboard, and where its focus is.

/// Presses `key` (a [`Key`] or a character) on whatever has the focus, as a
/// keyboard does: nothing is focused or clicked on the way.
pub async fn press_key(app: &App, key: impl Into<char>) {
    let key = key.into();
    let actions = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key });
    app.client
        .perform_actions(actions)
        .await
        .unwrap_or_else(|e| panic!("could not press {:?}: {e}", key));
}

/// Presses `key` with `modifier` held (Shift+Tab, Ctrl+K).
pub async fn chord(app: &App, modifier: Key, key: impl Into<char>) {
    let (modifier, key) = (char::from(modifier), key.into());
    let actions = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: modifier })
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key })
        .then(KeyAction::Up { value: modifier });
    app.client
        .perform_actions(actions)
        .await
        .unwrap_or_else(|e| panic!("could not press {modifier:?}+{key:?}: {e}"));
}

/// Types `text` into whatever has the focus, key by key.
pub async fn type_keys(app: &App, text: &str) {
    let mut actions = KeyActions::new("keyboard".into());
    for c in text.chars() {
        actions = actions
            .then(KeyAction::Down { value: c })
            .then(KeyAction::Up { value: c });
    }
    app.client
        .perform_actions(actions)
        .await
        .unwrap_or_else(|e| panic!("could not type {text:?}: {e}"));
}

/// The focused element as a person sees it.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Focus {
    /// Whether the focused element matches `selector` (asked of [`focus`]).
    pub matches: bool,
    /// The focused element, described (tag, id, name).
    pub what: String,
    /// Whether the browser shows focus on it (`:focus-visible`).
    pub visible: bool,
    /// The outline or box-shadow that shows it, on the element or on the
    /// label that stands for a hidden input; `None` when nothing does.
    pub indicator: Option<String>,
    /// The indicator's contrast against the colour behind it.
    pub contrast: Option<f64>,
}

const FOCUS: &str = r#"
    const [selector] = arguments;
    const el = document.activeElement;
    const what = !el || el === document.body ? 'nothing (the page)'
      : `<${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${
          [...el.attributes].filter((a) => a.name.startsWith('data-') || a.name === 'name' || a.name === 'aria-label')
            .map((a) => ` ${a.name}="${a.value}"`).join('')}> ${(el.innerText || el.value || '').trim().slice(0, 40)}`;
    const rgba = (text) => {
      const m = /rgba?\(([\d.]+),? ([\d.]+),? ([\d.]+)(?:,? \/? ?([\d.]+))?\)/.exec(text ?? '');
      return m ? [+m[1], +m[2], +m[3], m[4] === undefined ? 1 : +m[4]] : null;
    };
    const luminance = ([r, g, b]) => {
      const lin = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    };
    const behind = (node) => {
      for (let n = node; n; n = n.parentElement) {
        const c = rgba(getComputedStyle(n).backgroundColor);
        if (c && c[3] > 0.5) return c;
      }
      return rgba(getComputedStyle(document.body).backgroundColor);
    };
    // The element, or the label standing for an input drawn by its label.
    const candidates = el ? [el, el.closest('label'), el.parentElement].filter(Boolean) : [];
    let indicator = null, contrast = null;
    for (const c of candidates) {
      const s = getComputedStyle(c);
      // An input drawn by its label is invisible itself, and so is its ring.
      if (parseFloat(s.opacity) === 0 || c.getBoundingClientRect().width <= 1) continue;
      let colour = null;
      if (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1) {
        indicator = `outline ${s.outlineWidth} ${s.outlineStyle} ${s.outlineColor}`;
        colour = rgba(s.outlineColor);
      } else if (s.boxShadow && s.boxShadow !== 'none') {
        indicator = `box-shadow ${s.boxShadow}`;
        colour = rgba(s.boxShadow);
      }
      if (indicator) {
        const back = behind(c.parentElement ?? c);
        if (colour && back) {
          const [a, b] = [luminance(colour), luminance(back)].sort((x, y) => y - x);
          contrast = Math.round(((a + 0.05) / (b + 0.05)) * 100) / 100;
        }
        break;
      }
    }
    return {
      matches: !!el && el !== document.body && el.matches(selector),
      what,
      visible: !!el && el.matches(':focus-visible'),
      indicator,
      contrast,
    };
"#;

/// Where the keyboard focus is now, against `selector`.
pub async fn focus(app: &App, selector: &str) -> Focus {
    let found = app
        .client
        .execute(FOCUS, vec![serde_json::json!(selector)])
        .await
        .unwrap_or_else(|e| panic!("could not read the focus: {e}"));
    serde_json::from_value(found.clone()).unwrap_or_else(|e| panic!("the focus: {found} ({e})"))
}

/// The contrast a focus indicator needs against what is behind it (WCAG 2.1
/// 1.4.11, non-text contrast).
pub const FOCUS_CONTRAST: f64 = 3.0;

/// Waits until the focus is on `selector` and shown: an outline or
/// box-shadow of at least [`FOCUS_CONTRAST`] (on the element, or on the
/// label drawn for a hidden radio). `step` names the
/// step in the failure.
pub async fn assert_focus(app: &App, step: &str, selector: &str) {
    let deadline = std::time::Instant::now() + crate::READY_PATIENCE;
    loop {
        let seen = focus(app, selector).await;
        let shown = seen.indicator.is_some() && seen.contrast.is_some_and(|c| c >= FOCUS_CONTRAST);
        if seen.matches && shown {
            return;
        }
        if std::time::Instant::now() >= deadline {
            panic!(
                "{step}: expected the focus on {selector}, shown with an outline of contrast {FOCUS_CONTRAST}:1; \
                 it is on {} (focus-visible: {}, indicator: {:?}, contrast: {:?})",
                seen.what, seen.visible, seen.indicator, seen.contrast
            );
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}

/// Presses Tab until the focus reaches `selector`, at most `limit` times,
/// checking at every stop on the way that the focus is shown; then asserts
/// it as [`assert_focus`] does.
pub async fn tab_to(app: &App, step: &str, selector: &str, limit: usize) {
    walk_to(app, step, selector, limit, false).await;
}

/// [`tab_to`] backwards, with Shift+Tab.
pub async fn shift_tab_to(app: &App, step: &str, selector: &str, limit: usize) {
    walk_to(app, step, selector, limit, true).await;
}

async fn walk_to(app: &App, step: &str, selector: &str, limit: usize, back: bool) {
    for _ in 0..limit {
        if focus(app, selector).await.matches {
            break;
        }
        if back {
            chord(app, Key::Shift, Key::Tab).await;
        } else {
            press_key(app, Key::Tab).await;
        }
        let seen = focus(app, "*").await;
        assert!(
            seen.matches && seen.indicator.is_some(),
            "{step}: on the way to {selector}, the focus stopped on {} where it is not shown (focus-visible: {}, indicator: {:?})",
            seen.what,
            seen.visible,
            seen.indicator
        );
    }
    assert_focus(app, step, selector).await;
}
