//! Hearth's figures in its real window (issue 20's performance report): the
//! app under Xvfb, driven through WebDriver as the end-to-end suite drives
//! it, against the fake provider on loopback.
//!
//! - Streaming a 20,000-token reply at 200 tokens a second: the longest time
//!   the page's main thread was unavailable, and what the last 10% of the
//!   tokens cost the page against the first 10%.
//! - Opening a 1,000-message conversation, and the Diary with 10^5 moments:
//!   from the click in the sidebar to the frame that shows them.
//! - A soak: a scripted run (messages, views, searches, letters exported to
//!   PDF) with the memory of the app and its WebKit processes sampled every
//!   minute.
//!
//! Prints what it measured, one figure a line, and last a JSON object of the
//! figures for `scripts/perf-report.sh`. Run by `scripts/window-figures.sh`,
//! which builds the release app and points `HEARTH_APP` at it:
//!
//! cargo run -p hearth-e2e --example window_figures -- [--soak-minutes N] [--only stream,open,diary,soak]
//!     [--soak-leave-out message,keep,search,views,letter] [--soak-driver-only] [--soak-typing-only] [--soak-ipc-only]
//! (HEARTH_SOAK_VIEWS=memories,diary,settings chooses the views a round shows; all by default)

use std::path::Path;
use std::time::{Duration, Instant};

use fantoccini::key::Key;
use hearth_core::store::messages::{self, MessageStatus, Role};
use hearth_e2e::{
    App, Display, app_binary, click, open_journal, press, pss_mb, read_journal, seed_ollama,
    seed_persona, test_persona, thread, type_into, wait_until,
};
use hearth_fake_provider::{FakeProvider, Format, Step};
use rusqlite::params;
use serde::Deserialize;
use serde_json::{Value, json};

const MODEL: &str = "fake-small";
/// The streamed reply: this many tokens, at this pace.
const TOKENS: usize = 20_000;
const RATE: u32 = 200;
/// Times each view is opened for its figure.
const RUNS: usize = 15;
/// One answer for every structured request the soak's background work and
/// letters make: what to learn (nothing), a moment's reflection, a letter's
/// questions, a day's entry. Each reads the fields it knows.
const STRUCTURED: &str = r#"{"memories": [], "title": "By the lake", "reflection": "A quiet evening I want to keep.", "tags": ["lake"], "questions": ["What do you remember of the lake?"], "body": "We talked about the lake house.", "mood": "warm", "people": []}"#;

#[derive(Debug)]
struct Args {
    soak_minutes: u64,
    only: Option<Vec<String>>,
    /// Parts of the soak's round left out, to find which one grows.
    leave_out: Vec<String>,
    /// Rounds that do nothing in the app but ask the page as much as a
    /// round's driver does: what the driver itself costs the page.
    driver_only: bool,
    /// Rounds that only type into the composer (and send nothing): what
    /// typing costs the page.
    typing_only: bool,
    /// Rounds that only call the backend (as many calls as a round of views
    /// makes), with nothing shown: what the IPC costs the page.
    ipc_only: bool,
}

impl Args {
    fn parse() -> Args {
        let mut args = Args {
            soak_minutes: 20,
            only: None,
            leave_out: Vec::new(),
            driver_only: false,
            typing_only: false,
            ipc_only: false,
        };
        let mut it = std::env::args().skip(1);
        while let Some(arg) = it.next() {
            match arg.as_str() {
                "--soak-minutes" => {
                    args.soak_minutes = it
                        .next()
                        .and_then(|n| n.parse().ok())
                        .expect("--soak-minutes takes a number of minutes")
                }
                "--only" => {
                    args.only = Some(
                        it.next()
                            .expect("--only takes a list: stream,open,diary,soak")
                            .split(',')
                            .map(str::to_owned)
                            .collect(),
                    )
                }
                "--soak-leave-out" => {
                    args.leave_out = it
                        .next()
                        .expect(
                            "--soak-leave-out takes a list of: message,keep,search,views,letter",
                        )
                        .split(',')
                        .map(str::to_owned)
                        .collect();
                    for part in &args.leave_out {
                        assert!(
                            ROUND_PARTS.contains(&part.as_str()),
                            "--soak-leave-out: {part:?} is not one of {ROUND_PARTS:?}"
                        );
                    }
                }
                "--soak-driver-only" => args.driver_only = true,
                "--soak-typing-only" => args.typing_only = true,
                "--soak-ipc-only" => args.ipc_only = true,
                other => panic!(
                    "unknown argument {other:?}; usage: window_figures [--soak-minutes N] [--only stream,open,diary,soak] [--soak-leave-out message,keep,search,views,letter] [--soak-driver-only] [--soak-typing-only] [--soak-ipc-only]"
                ),
            }
        }
        args
    }

    fn wants(&self, what: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|only| only.iter().any(|o| o == what))
    }
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let binary = app_binary();
    let build = if binary.components().any(|c| c.as_os_str() == "release") {
        "release"
    } else if binary.components().any(|c| c.as_os_str() == "debug") {
        "debug"
    } else {
        "unknown"
    };
    println!(
        "Hearth in its real window: {} ({build} build), Xvfb, WebKitGTK through WebDriver",
        binary.display()
    );
    println!("{}", load("before"));
    let mut figures = serde_json::Map::new();
    if args.wants("stream") {
        let display = Display::start();
        let s = stream(&display).await;
        figures.insert("stream_longest_task_ms".into(), json!(round1(s.longest_ms)));
        figures.insert("stream_last_over_first".into(), json!(round2(s.ratio)));
    }
    if args.wants("open") || args.wants("diary") {
        let display = Display::start();
        let (open, diary) = views(&display, args.wants("open"), args.wants("diary")).await;
        if let Some(ms) = open {
            figures.insert("open_1000_ms".into(), json!(round1(ms)));
        }
        if let Some(ms) = diary {
            figures.insert("diary_1e5_first_paint_ms".into(), json!(round1(ms)));
        }
    }
    if args.wants("soak") && args.soak_minutes > 0 {
        let display = Display::start();
        let leave_out = if args.driver_only || args.typing_only || args.ipc_only {
            ROUND_PARTS.iter().map(|p| p.to_string()).collect()
        } else {
            args.leave_out.clone()
        };
        let only = if args.ipc_only {
            Some(SoakProbe::Ipc)
        } else if args.typing_only {
            Some(SoakProbe::Typing)
        } else if args.driver_only {
            Some(SoakProbe::Driver)
        } else {
            None
        };
        let series = soak(&display, args.soak_minutes, &leave_out, only).await;
        figures.insert(
            "soak".into(),
            Value::Array(
                series
                    .iter()
                    .map(|(minute, mb)| json!({ "minute": minute, "pss_mb": round1(*mb) }))
                    .collect(),
            ),
        );
    }
    println!("{}", load("after"));
    figures.insert("build".into(), json!(build));
    println!("{}", Value::Object(figures));
}

/// The machine's load, said beside the figures: other work on a small
/// machine stretches every one of them.
fn load(when: &str) -> String {
    let avg = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let avg: Vec<&str> = avg.split_whitespace().take(3).collect();
    format!(
        "machine load {when}: {} (1, 5, 15 min) on {} cores",
        avg.join(" "),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    )
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

// ---------------------------------------------------------------------------
// Streaming

/// Installed in the page before the reply is asked for. It changes nothing
/// the app does; it watches three things on the page's main thread:
/// - a heartbeat: a task every millisecond or so (a timer set from a message
///   event, so the browser does not stretch it to 4 ms as it does nested
///   timers); the gaps between beats are the time the thread was busy with
///   something else: script, style, layout, paint, garbage collection;
/// - each stream event the window receives (Tauri hands every channel
///   message to `__TAURI_INTERNALS__.runCallback`, which looks the handler
///   up in the `callbacks` map it exposes: the probe wraps that lookup), timed
///   from entering the app's handler to leaving it;
/// - each animation frame the app asks for while the reply streams (the
///   reply applies its buffered words once a frame), timed from the frame's
///   callbacks to the next task after them, so the style, layout and paint
///   the frame caused are counted with it.
const PROBE: &str = r#"
const P = window.__hearthProbe = {
  tokens: 0, doneAt: null, stopped: false,
  deltas: [], frames: [], gaps: [], floor: new Array(41).fill(0), beats: 0, longtasks: [],
  supported: (typeof PerformanceObserver !== 'undefined' && PerformanceObserver.supportedEntryTypes) || [],
};
if (P.supported.includes('longtask')) {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) P.longtasks.push([e.startTime, e.duration]);
  }).observe({ type: 'longtask', buffered: false });
}
const beats = new MessageChannel();
let last = performance.now();
const beat = () => {
  const now = performance.now();
  const gap = now - last;
  last = now;
  P.beats++;
  P.floor[Math.min(40, Math.floor(gap * 4))]++;
  if (gap > 2) P.gaps.push([now - gap, gap, P.tokens]);
  if (!P.stopped) beats.port2.postMessage(0);
};
beats.port1.onmessage = () => setTimeout(beat, 1);
beats.port2.postMessage(0);

const callbacks = window.__TAURI_INTERNALS__.callbacks;
const lookup = callbacks.get.bind(callbacks);
callbacks.get = (id) => {
  const handler = lookup(id);
  if (!handler) return handler;
  return (data) => {
    const event = data && data.message && data.message.event;
    if (!event || P.stopped) return handler(data);
    const t0 = performance.now();
    if (event === 'delta') P.tokens++;
    if (event === 'done' || event === 'failed') P.doneAt = t0;
    try {
      return handler(data);
    } finally {
      P.deltas.push([t0, performance.now() - t0, P.tokens]);
    }
  };
};

const frameEnd = new MessageChannel();
let open = null;
frameEnd.port1.onmessage = () => {
  if (open) P.frames.push([open[0], performance.now() - open[0], open[1], open[2]]);
  open = null;
};
const raf = window.requestAnimationFrame.bind(window);
window.requestAnimationFrame = (callback) => raf((time) => {
  if (!open && P.tokens > 0 && P.doneAt === null && !P.stopped) {
    open = [performance.now(), P.tokens, 0];
    frameEnd.port2.postMessage(0);
  }
  callback(time);
  // The script's part: the callback and the microtasks it queued (the
  // view's updates); the rest of the frame is style, layout and paint.
  const mine = open;
  if (mine) queueMicrotask(() => { mine[2] = performance.now() - mine[0]; });
});
return P.supported;
"#;

/// What the probe saw.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Probe {
    tokens: usize,
    done_at: Option<f64>,
    /// [start, duration, tokens received] of each stream event handled.
    deltas: Vec<[f64; 3]>,
    /// [start, duration, tokens received, script's part] of each frame of the reply.
    frames: Vec<[f64; 4]>,
    /// [start, length, tokens received] of each heartbeat gap over 2 ms.
    gaps: Vec<[f64; 3]>,
    /// How many gaps fell in each quarter of a millisecond (the last: 10 ms and over).
    floor: Vec<u64>,
    beats: u64,
    longtasks: Vec<[f64; 2]>,
}

struct Streamed {
    longest_ms: f64,
    ratio: f64,
}

/// Words for the reply, as Markdown a companion writes: paragraphs, now and
/// then a list, a heading or a short code block. One token is one word (with
/// its space) or one line break.
fn reply_tokens(n: usize) -> Vec<String> {
    const WORDS: &[&str] = &[
        "the", "lake", "house", "summer", "light", "we", "talked", "about", "your", "mother",
        "and", "how", "evenings", "felt", "slow", "warm", "water", "remember", "quiet", "dock",
        "laughter", "long", "walks", "trees", "letters", "kept", "in", "a", "drawer", "tomorrow",
    ];
    let mut tokens = Vec::with_capacity(n);
    let mut w = 0usize;
    let mut word = |tokens: &mut Vec<String>, first: bool| {
        w = (w * 7 + 3) % WORDS.len();
        tokens.push(if first {
            WORDS[w].to_owned()
        } else {
            format!(" {}", WORDS[w])
        });
    };
    let mut block = 0;
    while tokens.len() < n {
        block += 1;
        if block > 1 {
            tokens.push("\n\n".into());
        }
        if block % 11 == 0 {
            tokens.push("## ".into());
            for i in 0..4 {
                word(&mut tokens, i == 0);
            }
        } else if block % 7 == 0 {
            for item in 0..4 {
                tokens.push(if item == 0 { "- " } else { "\n- " }.into());
                for i in 0..8 {
                    word(&mut tokens, i == 0);
                }
            }
        } else if block % 13 == 0 {
            tokens.push("```\n".into());
            for _ in 0..5 {
                for i in 0..5 {
                    word(&mut tokens, i == 0);
                }
                tokens.push("\n".into());
            }
            tokens.push("```".into());
        } else {
            for i in 0..60 {
                word(&mut tokens, i == 0);
                if i % 12 == 11 {
                    tokens.push(".".into());
                }
            }
        }
    }
    tokens.truncate(n);
    tokens
}

async fn stream(display: &Display) -> Streamed {
    let server = FakeProvider::start().await;
    server.answer_structured(Step::reply([STRUCTURED]));
    server.script([Step::Paced {
        chunks: reply_tokens(TOKENS),
        per_second: RATE,
    }]);
    let data = tempfile::tempdir().unwrap();
    seed_persona(data.path(), &test_persona());
    seed_ollama(data.path(), &server.base_url(Format::Ollama), MODEL);
    let app = App::launch(display, data.path()).await;
    app.find("main[data-view='conversation'] #thread").await;
    let supported = app.eval(PROBE).await;
    type_into(&app, "#composer-input", "Tell me about the lake house.").await;
    click(&app, "button.send[type='submit']").await;

    // Waits on the journal, not the page: a script run in the page would be
    // a task of its own in the middle of what is measured.
    eprintln!(
        "streaming {TOKENS} tokens at {RATE}/s (about {} s)…",
        TOKENS / RATE as usize
    );
    // Meanwhile the CPU time of the web process (the page's main thread and
    // WebKit's own threads) and of the app, against the tokens sent, from
    // /proc: unlike the page's clock, it does not count time the machine
    // gave to other work.
    let journal = read_journal(data.path());
    let pid = app.app_pid().expect("the app's process");
    let deadline = Instant::now() + Duration::from_secs(TOKENS as u64 / RATE as u64 * 3 + 60);
    let mut cpu = Vec::new();
    let mut polls = 0;
    loop {
        let web: f64 = descendants(pid.as_raw())
            .into_iter()
            .filter(|(_, name)| name.starts_with("WebKitWebProces"))
            .map(|(pid, _)| cpu_seconds(pid))
            .sum();
        cpu.push([
            server.sent_times().len() as f64,
            web,
            cpu_seconds(pid.as_raw()),
        ]);
        polls += 1;
        if polls % 5 == 0 {
            let status: Option<String> = journal
                .query_row(
                    "SELECT status FROM messages WHERE role = 'assistant' ORDER BY id DESC LIMIT 1",
                    [],
                    |r| r.get(0),
                )
                .ok();
            if status.as_deref() == Some("complete") {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the reply did not finish (status {status:?})"
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The window hears of the end just after the journal does; then let it
    // show the finished message.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let probe: Probe = serde_json::from_value(
        app.eval("window.__hearthProbe.stopped = true; return window.__hearthProbe")
            .await,
    )
    .expect("the probe's findings");
    let shown = thread(&app).await;
    app.quit().await;
    let sent = server.sent_times();
    assert_eq!(
        probe.tokens, TOKENS,
        "the window received {} of {TOKENS} tokens",
        probe.tokens
    );
    let done_at = probe
        .done_at
        .expect("the end of the reply reached the window");
    assert!(
        shown
            .iter()
            .any(|m| m.role == "assistant" && m.status == "complete"),
        "the window shows the finished reply"
    );
    analyse(&probe, done_at, &supported, &sent, &cpu)
}

fn analyse(
    probe: &Probe,
    done_at: f64,
    supported: &Value,
    sent: &[Instant],
    cpu: &[[f64; 3]],
) -> Streamed {
    let first = probe.deltas.first().map_or(0.0, |d| d[0]);
    let paced = match (sent.first(), sent.last()) {
        (Some(a), Some(b)) => b.duration_since(*a).as_secs_f64(),
        _ => 0.0,
    };
    let received = (done_at - first) / 1000.0;
    println!(
        "streaming {TOKENS} tokens: sent in {paced:.1} s ({:.0} tokens/s), shown over {received:.1} s",
        TOKENS as f64 / paced.max(1e-9)
    );

    // The heartbeat's floor: its usual gap when nothing else runs.
    let floor = {
        let mut seen = 0;
        let half = probe.beats / 2;
        let mut bucket = 0;
        for (i, n) in probe.floor.iter().enumerate() {
            seen += n;
            if seen >= half {
                bucket = i;
                break;
            }
        }
        (bucket as f64 + 0.5) / 4.0
    };
    let during = |start: f64| start >= first && start < done_at;
    let longest_gap = probe
        .gaps
        .iter()
        .filter(|g| during(g[0]))
        .map(|g| g[1])
        .fold(0.0, f64::max);
    let over_16 = probe
        .gaps
        .iter()
        .filter(|g| during(g[0]) && g[1] > 16.0)
        .count();
    let longest_frame = probe.frames.iter().map(|f| f[1]).fold(0.0, f64::max);
    let longest_event = probe.deltas.iter().map(|d| d[1]).fold(0.0, f64::max);
    let after = probe
        .gaps
        .iter()
        .filter(|g| g[0] >= done_at)
        .map(|g| g[1])
        .fold(0.0, f64::max);
    let longtask = if supported
        .as_array()
        .is_some_and(|a| a.iter().any(|t| t == "longtask"))
    {
        let longest = probe
            .longtasks
            .iter()
            .filter(|t| during(t[0]))
            .map(|t| t[1])
            .fold(0.0, f64::max);
        format!("PerformanceObserver 'longtask': longest {longest:.1} ms")
    } else {
        format!("WebKitGTK has no PerformanceObserver 'longtask' (it supports {supported})")
    };
    let long: Vec<String> = probe
        .gaps
        .iter()
        .filter(|g| during(g[0]) && g[1] > 16.0)
        .map(|g| format!("{:.0} ms at token {}", g[1], g[2]))
        .collect();
    if !long.is_empty() {
        println!("  gaps over 16 ms: {}", long.join(", "));
    }
    let mut frames: Vec<f64> = probe.frames.iter().map(|f| f[1]).collect();
    frames.sort_by(f64::total_cmp);
    let mut scripts: Vec<f64> = probe.frames.iter().map(|f| f[3]).collect();
    scripts.sort_by(f64::total_cmp);
    println!("  {longtask}; so a heartbeat in the page measures it instead");
    println!(
        "  main thread busy (heartbeat every {floor:.2} ms; a gap is the longest anything kept it): longest {longest_gap:.1} ms while streaming, {over_16} gaps over 16 ms (goal: none); {after:.1} ms longest as the finished reply replaced the stream"
    );
    println!(
        "  {} frames of the reply (one per {:.1} ms): p50 {:.1} ms, p95 {:.1} ms, longest {longest_frame:.1} ms (script, style, layout, paint); their script alone p50 {:.1} ms, p95 {:.1} ms; longest stream event handled in {longest_event:.2} ms",
        frames.len(),
        (done_at - first) / frames.len().max(1) as f64,
        percentile(&frames, 0.5),
        percentile(&frames, 0.95),
        percentile(&scripts, 0.5),
        percentile(&scripts, 0.95),
    );

    // The page's cost per tenth of the tokens: its frames and stream
    // events, overlapping spans counted once, each tenth by the tokens
    // received when the work began.
    let tenth = |tokens: f64| (((tokens as usize).saturating_sub(1)) * 10 / TOKENS).min(9);
    let mut spans: Vec<[f64; 3]> = probe
        .frames
        .iter()
        .map(|f| [f[0], f[1], f[2]])
        .chain(probe.deltas.iter().copied())
        .collect();
    spans.sort_by(|a, b| a[0].total_cmp(&b[0]));
    let mut cost = [0.0f64; 10];
    let mut reach = f64::MIN;
    for [start, length, tokens] in spans {
        let end = start + length;
        if end > reach {
            cost[tenth(tokens)] += end - start.max(reach);
            reach = end;
        }
    }
    let mut busy = [0.0f64; 10];
    for [start, gap, tokens] in &probe.gaps {
        if during(*start) {
            busy[tenth(*tokens)] += gap - floor;
        }
    }
    let per_token = |ms: f64| ms * 1000.0 / (TOKENS / 10) as f64;
    println!(
        "  the page's work per token, each tenth of the reply (µs): {}",
        cost.iter()
            .map(|c| format!("{:.0}", per_token(*c)))
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!(
        "  main-thread time taken from the heartbeat per token, each tenth (µs): {}",
        busy.iter()
            .map(|c| format!("{:.0}", per_token(*c)))
            .collect::<Vec<_>>()
            .join(" ")
    );
    // CPU seconds per tenth of the tokens sent: the web process, the app.
    let at = |tokens: usize| {
        cpu.iter()
            .find(|c| c[0] as usize >= tokens)
            .or(cpu.last())
            .copied()
            .unwrap_or_default()
    };
    let mut web = [0.0f64; 10];
    let mut core = [0.0f64; 10];
    for d in 0..10 {
        let (a, b) = (at(d * TOKENS / 10), at((d + 1) * TOKENS / 10));
        web[d] = b[1] - a[1];
        core[d] = b[2] - a[2];
    }
    println!(
        "  CPU per token, each tenth of the reply (µs; web process / app): {}",
        web.iter()
            .zip(&core)
            .map(|(w, c)| format!(
                "{:.0}/{:.0}",
                w * 1e6 / (TOKENS / 10) as f64,
                c * 1e6 / (TOKENS / 10) as f64
            ))
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!(
        "  the web process used {:.0}% of a core while streaming, the app {:.0}%; its last tenth of the tokens {:.2}× its first",
        web.iter().sum::<f64>() * 100.0 / (TOKENS as f64 / f64::from(RATE)),
        core.iter().sum::<f64>() * 100.0 / (TOKENS as f64 / f64::from(RATE)),
        web[9] / web[0].max(1e-9)
    );
    let ratio = cost[9] / cost[0].max(1e-9);
    println!(
        "streaming: longest main-thread task {longest_gap:.1} ms (goal ≤ 16 ms); last 10% of tokens cost {ratio:.2}× the first 10% (goal ≤ 1.5×; by the heartbeat {:.2}×)",
        busy[9] / busy[0].max(1e-9)
    );
    Streamed {
        longest_ms: longest_gap,
        ratio,
    }
}

/// The processes below `pid`, with their names.
fn descendants(pid: i32) -> Vec<(i32, String)> {
    let mut found = Vec::new();
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task"));
    for task in tasks.into_iter().flatten().flatten() {
        let children = std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
        for child in children.split_whitespace().filter_map(|c| c.parse().ok()) {
            let name = std::fs::read_to_string(format!("/proc/{child}/comm")).unwrap_or_default();
            found.push((child, name.trim().to_owned()));
            found.extend(descendants(child));
        }
    }
    found
}

/// User and system CPU time of a process, in seconds (all its threads).
fn cpu_seconds(pid: i32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // utime and stime, the 14th and 15th fields, in the kernel's USER_HZ
    // (100 a second on Linux, whatever the kernel's own tick).
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i)?.parse::<u64>().ok())
        .sum();
    ticks as f64 / 100.0
}

// ---------------------------------------------------------------------------
// Opening the conversation and the Diary

/// Clicks a view in the sidebar and resolves when the frame that shows what
/// `ready` looks for has been painted, with where the time went. Each
/// frame's animation callbacks look; the first that finds it is in the frame
/// that first paints it (style, layout and paint follow the callbacks in the
/// same rendering update), and the task posted from there runs once that
/// update is over.
///
/// Besides the total, in milliseconds from the click, it notes (none of it
/// changes what the app does):
/// - `mounted`: the view's synchronous update is over (the old view gone,
///   the new one mounted; a microtask queued after Svelte's);
/// - `calls`: each call to the backend, asked and answered (Tauri registers
///   a callback per call in the `callbacks` map it exposes, and looks it up
///   when the answer comes);
/// - `inDom`: `ready` first holds in the DOM (a mutation observer), before
///   any frame shows it;
/// - `frames`: each animation frame until then, its callbacks' start and the
///   end of its update;
/// - `nodes`: the elements in the view once it is shown.
fn measure_view(view: &str, ready: &str) -> String {
    format!(
        "const done = arguments[arguments.length - 1];
const started = performance.now();
const at = () => performance.now() - started;
const ready = () => {{ {ready} }};
const seen = {{ mounted: null, calls: [], inDom: null, frames: [] }};
const callbacks = window.__TAURI_INTERNALS__.callbacks;
const set = callbacks.set, get = callbacks.get, asked = new Map();
callbacks.set = function (id, f) {{ asked.set(id, at()); return set.call(this, id, f); }};
callbacks.get = function (id) {{
  if (asked.has(id)) {{ seen.calls.push([asked.get(id), at()]); asked.delete(id); }}
  return get.call(this, id);
}};
const observer = new MutationObserver(() => {{
  if (seen.inDom === null && ready()) {{ seen.inDom = at(); observer.disconnect(); }}
}});
observer.observe(document.body, {{ childList: true, subtree: true }});
document.querySelector(\"nav button[data-view='{view}']\").click();
queueMicrotask(() => (seen.mounted = at()));
const painted = new MessageChannel();
painted.port1.onmessage = () => {{
  const total = at();
  seen.frames[seen.frames.length - 1][1] = total;
  callbacks.set = set;
  callbacks.get = get;
  observer.disconnect();
  done({{ total, ...seen, nodes: document.querySelectorAll('#view *').length }});
}};
const look = () => {{
  seen.frames.push([at(), null]);
  if (ready()) painted.port2.postMessage(0);
  else requestAnimationFrame(look);
}};
requestAnimationFrame(look);"
    )
}

/// What [`measure_view`] saw of one opening.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Opened {
    total: f64,
    mounted: Option<f64>,
    /// [asked, answered] of each call to the backend, in the order answered.
    calls: Vec<[f64; 2]>,
    in_dom: Option<f64>,
    /// [callbacks' start, end of the update (the last only)] of each frame.
    frames: Vec<[Option<f64>; 2]>,
    nodes: u64,
}

async fn open_view(app: &App, view: &str, ready: &str) -> Opened {
    serde_json::from_value(app.eval_async(&measure_view(view, ready)).await)
        .expect("what the page saw of the view's opening")
}

/// Where the time of the median openings went: medians of each part.
fn breakdown(opened: &[Opened]) {
    let median = |mut xs: Vec<f64>| {
        xs.sort_by(f64::total_cmp);
        if xs.is_empty() {
            f64::NAN
        } else {
            percentile(&xs, 0.5)
        }
    };
    let mounted = median(opened.iter().filter_map(|o| o.mounted).collect());
    // The answer the view waited for: the last answered before it showed.
    let answered = median(
        opened
            .iter()
            .filter_map(|o| {
                let shown = o.in_dom?;
                o.calls
                    .iter()
                    .filter(|c| c[1] <= shown)
                    .map(|c| c[1])
                    .reduce(f64::max)
            })
            .collect(),
    );
    let in_dom = median(opened.iter().filter_map(|o| o.in_dom).collect());
    let last_frame = median(
        opened
            .iter()
            .filter_map(|o| o.frames.last().and_then(|f| f[0]))
            .collect(),
    );
    let total = median(opened.iter().map(|o| o.total).collect());
    let calls = median(
        opened
            .iter()
            .map(|o| o.calls.iter().filter(|c| Some(c[1]) <= o.in_dom).count() as f64)
            .collect(),
    );
    let frames = median(opened.iter().map(|o| o.frames.len() as f64).collect());
    let nodes = median(opened.iter().map(|o| o.nodes as f64).collect());
    println!(
        "  medians from the click: old view gone and new one mounted {mounted:.0} ms; \
         last of {calls:.0} answers from the backend before it showed {answered:.0} ms; \
         in the DOM {in_dom:.0} ms; the frame that paints it begins {last_frame:.0} ms \
         ({frames:.0} frames looked) and ends {total:.0} ms; {nodes:.0} elements in the view"
    );
}

/// The newest message is in the thread and in view.
fn newest_shown(id: i64) -> String {
    format!(
        "const li = document.querySelector(\"#thread li.message[data-id='{id}'] .body\");
  if (!li) return false;
  const r = li.getBoundingClientRect(), t = document.querySelector('#thread').getBoundingClientRect();
  return r.height > 0 && r.top < t.bottom && r.bottom > t.top;"
    )
}

/// A card of the timeline is shown (once opened, the Diary stays in the
/// page, hidden while another view shows).
const DIARY_SHOWN: &str = "const card = document.querySelector('#diary .card'); return card !== null && card.getClientRects().length > 0;";

/// 1,000 messages, five a day, ending 40 days ago (before the days the
/// diary catches up on, so nothing is written in the background), and
/// `moments` moments with 3,000 diary entries before them.
fn seed_journal(data: &Path, moments: i64) -> i64 {
    let started = Instant::now();
    let day_ms = 86_400_000;
    let end = chrono::Utc::now().timestamp_millis() - 40 * day_ms;
    let newest = open_journal(data)
        .with(|c| {
            let tx = c.transaction()?;
            let mut newest = 0;
            for i in 0..1_000i64 {
                let at = end - (999 - i) / 5 * day_ms + (i % 5) * 3_600_000;
                let (role, text) = if i % 2 == 0 {
                    (
                        Role::User,
                        format!("Do you remember the evening at the lake, the {i}th time I told you about it?"),
                    )
                } else {
                    (
                        Role::Assistant,
                        format!(
                            "I do. **The light on the water**, and how quiet it was.\n\n\
                             You said three things mattered that summer:\n\n\
                             - the dock your mother painted\n- the long walks\n- the letters\n\n\
                             Tell me more about number {i}, whenever you like."
                        ),
                    )
                };
                newest = messages::insert_at(&tx, role, &text, MessageStatus::Complete, None, at)?.id;
            }
            let mut moment = tx.prepare(
                "INSERT INTO moments (day, title, body, reflection, tags, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, '[\"lake\"]', ?5, ?5)",
            )?;
            let day0 = chrono::NaiveDate::from_ymd_opt(2019, 1, 1).unwrap();
            for i in 0..moments {
                let day = day0 + chrono::Duration::days(i / 40);
                moment.execute(params![
                    day.to_string(),
                    format!("A moment by the lake, number {i}"),
                    "We talked about the lake house and the summers there, and Amy's wedding.",
                    "He trusted me with a place he loves. I want to remember it with him.",
                    i
                ])?;
            }
            let mut entry = tx.prepare(
                "INSERT INTO diary_entries (day, title, body, written_by, created_at, updated_at)
                 VALUES (?1, 'A day', ?2, 'Samantha', 0, 0)",
            )?;
            for d in 0..3_000 {
                let day = chrono::NaiveDate::from_ymd_opt(2017, 1, 1).unwrap()
                    + chrono::Duration::days(d);
                entry.execute(params![day.to_string(), "Words of the day. ".repeat(40)])?;
            }
            drop((moment, entry));
            tx.commit()?;
            Ok(newest)
        })
        .unwrap();
    eprintln!(
        "seeded 1,000 messages, {moments} moments and 3,000 entries in {:.1?}",
        started.elapsed()
    );
    newest
}

/// The median time, in the page, of `runs` calls of one command: the part
/// of a view's first paint spent waiting for the journal's answer.
async fn ipc_ms(app: &App, command: &str, args: &str) -> f64 {
    let mut times: Vec<f64> = serde_json::from_value(
        app.eval_async(&format!(
            "const done = arguments[arguments.length - 1];
             (async () => {{
               const times = [];
               for (let i = 0; i < 10; i++) {{
                 const t = performance.now();
                 await window.__TAURI_INTERNALS__.invoke('{command}', {args});
                 times.push(performance.now() - t);
               }}
               done(times);
             }})().catch((e) => done(String(e)));"
        ))
        .await,
    )
    .expect("the command's times");
    times.sort_by(f64::total_cmp);
    percentile(&times, 0.5)
}

fn summary(name: &str, goal: f64, mut times: Vec<f64>) -> f64 {
    let first = times[0];
    times.sort_by(f64::total_cmp);
    let p50 = percentile(&times, 0.5);
    println!(
        "{name}: p50 {p50:.0} ms (goal < {goal:.0} ms), p95 {:.0} ms, first {first:.0} ms, fastest {:.0} ms ({} runs)",
        percentile(&times, 0.95),
        times[0],
        times.len()
    );
    p50
}

async fn views(display: &Display, open: bool, diary: bool) -> (Option<f64>, Option<f64>) {
    let data = tempfile::tempdir().unwrap();
    seed_persona(data.path(), &test_persona());
    let newest = seed_journal(data.path(), 100_000);
    let app = App::launch(display, data.path()).await;
    let shown = newest_shown(newest);
    app.find(&format!("#thread li.message[data-id='{newest}']"))
        .await;

    let mut open_ms = None;
    if open {
        let mut opened = Vec::new();
        for _ in 0..RUNS {
            click(&app, "nav button[data-view='settings']").await;
            app.find("main[data-view='settings']").await;
            opened.push(open_view(&app, "conversation", &shown).await);
        }
        open_ms = Some(summary(
            "opening a 1,000-message conversation (click → newest messages painted)",
            200.0,
            opened.iter().map(|o| o.total).collect(),
        ));
        breakdown(&opened);
        println!(
            "  of which the journal's answer (list_messages, the newest 50): p50 {:.0} ms",
            ipc_ms(&app, "list_messages", "{ before: null, limit: 50 }").await
        );
    }
    let mut diary_ms = None;
    if diary {
        let mut opened = Vec::new();
        for _ in 0..RUNS {
            opened.push(open_view(&app, "diary", DIARY_SHOWN).await);
            click(&app, "nav button[data-view='conversation']").await;
            app.find(&format!("#thread li.message[data-id='{newest}']"))
                .await;
        }
        diary_ms = Some(summary(
            "the Diary with 10^5 moments (click → first timeline cards painted)",
            100.0,
            opened.iter().map(|o| o.total).collect(),
        ));
        breakdown(&opened);
        println!(
            "  of which the journal's answer (diary_timeline, the newest 100): p50 {:.0} ms",
            ipc_ms(
                &app,
                "diary_timeline",
                "{ filter: { favourites: false, tag: null, person: null }, offset: 0, limit: 100 }"
            )
            .await
        );
    }
    app.quit().await;
    (open_ms, diary_ms)
}

// ---------------------------------------------------------------------------
// The soak

/// The parts of a round, each of which `--soak-leave-out` can leave out
/// (keeping a moment needs the message's reply). A round that leaves out
/// every part asks the page one trivial question and waits a second: the
/// app left alone on its conversation, what time alone costs.
const ROUND_PARTS: [&str; 5] = ["message", "keep", "search", "views", "letter"];

/// Rounds that do one thing only, to weigh it alone.
#[derive(Debug, Clone, Copy, PartialEq)]
enum SoakProbe {
    /// The driver's commands, with nothing done in the app.
    Driver,
    /// Typing into the composer, nothing sent.
    Typing,
    /// Calls to the backend, nothing shown.
    Ipc,
}

/// A round of the driver's commands with nothing done in the app: the
/// elements a round finds, and scripts that differ each round as a round's
/// do (they name its messages), all answered by a page left alone.
async fn driver_round(app: &App, n: usize) {
    for _ in 0..5 {
        app.find("main[data-view='conversation'] #thread").await;
        app.find("#composer-input").await;
        app.find("nav button[data-view='diary']").await;
    }
    for i in 0..10 {
        app.eval(&format!(
            "return document.querySelector(\"li.message[data-id='{}'] [data-action='keep']\") !== null",
            n * 10 + i
        ))
        .await;
    }
}

/// One round of use: a message and its reply, the reply kept as a moment, a
/// search, every view, and a letter drafted and exported to PDF (less the
/// parts left out).
async fn round(app: &App, data: &Path, n: usize, leave_out: &[String]) {
    let doing = |part: &str| !leave_out.iter().any(|l| l == part);
    if ROUND_PARTS.iter().all(|part| !doing(part)) {
        app.eval("return document.title").await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        return;
    }
    if !doing("message") {
        assert!(!doing("keep"), "keeping a moment needs the round's message");
    }
    // A message, and the reply to it.
    // (What came before is read from the journal: the window may not show
    // all of it yet, just back from another view.)
    let journal = read_journal(data);
    let before: i64 = journal
        .query_row("SELECT coalesce(max(id), 0) FROM messages", [], |r| {
            r.get(0)
        })
        .unwrap();
    let mut shown = Vec::new();
    if doing("message") {
        type_into(
            app,
            "#composer-input",
            &format!("Round {n}: tell me again about the lake in June."),
        )
        .await;
        click(app, "button.send[type='submit']").await;
        shown = hearth_e2e::thread_when(app, "the reply to the round's message", |t| {
            t.iter()
                .any(|m| m.id > before && m.role == "assistant" && m.status == "complete")
        })
        .await;
        app.find("button.send[type='submit']").await;
    }

    if doing("keep") {
        // The reply kept as a moment (the companion reflects on it in the background).
        let reply = shown
            .iter()
            .filter(|m| m.id > before && m.role == "assistant")
            .map(|m| m.id)
            .max()
            .unwrap();
        let message = format!("li.message[data-id='{reply}']");
        // The actions show on hover or focus: reached as the keyboard reaches
        // them (a pointer resting where the new reply appears shows no hover).
        let keep = format!("{message} [data-action='keep']");
        app.find(&keep).await;
        app.eval(&format!(
            "document.querySelector(\"{keep}\").focus(); return null"
        ))
        .await;
        click(app, &keep).await;
        let kept =
            format!("return document.querySelector(\"{message}[data-kept='true']\") !== null");
        let deadline = Instant::now() + Duration::from_secs(30);
        while app.eval(&kept).await != json!(true) {
            if Instant::now() > deadline {
                app.screenshot("window-figures-keep").await;
                let notice = app
                    .eval("return document.querySelector('.notice')?.textContent ?? null")
                    .await;
                panic!("the reply {reply} was not kept (notice: {notice})");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    if doing("search") {
        // Search everything.
        press(
            app,
            "#composer-input",
            &format!("{}k", char::from(Key::Control)),
        )
        .await;
        type_into(app, "#search-everything", "lake").await;
        app.find("#search-palette .hit").await;
        press(
            app,
            "#search-everything",
            &char::from(Key::Escape).to_string(),
        )
        .await;
        app.wait_gone("#search-palette").await;
    }

    if doing("views") {
        // Every view (or those HEARTH_SOAK_VIEWS lists, to find which one grows).
        let chosen = std::env::var("HEARTH_SOAK_VIEWS").ok();
        let shown = |view: &str| {
            chosen
                .as_deref()
                .is_none_or(|list| list.split(',').any(|v| v == view))
        };
        for view in ["memories", "diary", "settings"] {
            if shown(view) {
                click(app, &format!("nav button[data-view='{view}']")).await;
                app.find(&format!("main[data-view='{view}']")).await;
            }
        }
        if shown("diary") {
            click(app, "nav button[data-view='diary']").await;
            // Its cards, once a moment has been kept.
            app.find(if doing("keep") {
                "#diary .card.moment"
            } else {
                "#diary"
            })
            .await;
        }
    }

    if doing("letter") {
        // A letter, drafted with the companion and exported to PDF.
        click(app, "nav button[data-view='letters']").await;
        click(app, "#letters [data-action='new-letter']").await;
        type_into(app, "#letter-recipient", &format!("Mum {n}")).await;
        type_into(app, "#letter-carry", "Thanks for the summers at the lake").await;
        click(app, "[data-action='begin-letter']").await;
        type_into(app, "#answer-0", "Your laugh on the jetty").await;
        click(app, "[data-action='draft']").await;
        app.find("[data-action='revise']").await;
        let id: i64 = journal
            .query_row("SELECT max(id) FROM letters", [], |r| r.get(0))
            .unwrap();
        wait_until("the letter's draft in the journal", || {
            journal
                .query_row("SELECT body FROM letters WHERE id = ?1", [id], |r| {
                    r.get::<_, String>(0)
                })
                .is_ok_and(|body| body.ends_with("With love"))
        })
        .await;
        let pdf = data.join(format!("letter-{n}.pdf"));
        let saved = app
            .eval_async(&format!(
                "const done = arguments[arguments.length - 1];
             window.__TAURI_INTERNALS__.invoke('export_letter_pdf', {{ id: {id}, path: {:?} }})
               .then((r) => done(r), (e) => done({{ error: e }}));",
                pdf.to_str().unwrap()
            ))
            .await;
        assert!(saved.get("pages").is_some(), "the letter's PDF: {saved}");
        std::fs::remove_file(&pdf).ok();
    }

    click(app, "nav button[data-view='conversation']").await;
    app.find("main[data-view='conversation'] #thread").await;
}

async fn soak(
    display: &Display,
    minutes: u64,
    leave_out: &[String],
    probe: Option<SoakProbe>,
) -> Vec<(u64, f64)> {
    let server = FakeProvider::start().await;
    server.answer_structured(Step::reply([STRUCTURED]));
    server.answer_by_default(Step::reply([
        "Dear Mum,\n\nI still think of the lake ",
        "every June, and of the jetty, ",
        "and of you.\n\nWith love",
    ]));
    let data = tempfile::tempdir().unwrap();
    seed_persona(data.path(), &test_persona());
    seed_ollama(data.path(), &server.base_url(Format::Ollama), MODEL);
    let app = App::launch(display, data.path()).await;
    app.find("main[data-view='conversation'] #thread").await;
    let pid = app.app_pid().expect("the app's process");
    println!(
        "soak: {minutes} minutes of scripted use, PSS of the app and its WebKit processes each minute"
    );
    if !leave_out.is_empty() {
        println!("soak: rounds leave out {}", leave_out.join(", "));
    }

    // Counts what reaches the page from the backend: channel messages (each
    // an eval of a script by the webview) and answers to invoke.
    app.eval(
        "const callbacks = window.__TAURI_INTERNALS__.callbacks;
         const lookup = callbacks.get.bind(callbacks);
         const counts = (window.__soakCounts = { channel: 0, answers: 0 });
         callbacks.get = (id) => {
           const handler = lookup(id);
           if (!handler) return handler;
           return (data) => {
             if (data && typeof data === 'object' && 'index' in data) counts.channel++;
             else counts.answers++;
             return handler(data);
           };
         };
         return null",
    )
    .await;
    let started = Instant::now();
    let sampler = tokio::spawn(async move {
        let mut series = Vec::new();
        for minute in 0..=minutes {
            tokio::time::sleep_until((started + Duration::from_secs(minute * 60)).into()).await;
            let (mb, each) = pss_mb(pid);
            let each: Vec<String> = each
                .iter()
                .map(|(name, mb)| format!("{name} {mb:.1}"))
                .collect();
            println!("  minute {minute:>3}: {mb:.1} MB ({})", each.join(", "));
            series.push((minute, mb));
        }
        series
    });
    let mut rounds = 0;
    let mut counted = None;
    while started.elapsed() < Duration::from_secs(minutes * 60) {
        rounds += 1;
        if probe == Some(SoakProbe::Driver) {
            driver_round(&app, rounds).await;
        } else if probe == Some(SoakProbe::Ipc) {
            app.eval_async(
                "const done = arguments[arguments.length - 1];
                 const invoke = window.__TAURI_INTERNALS__.invoke;
                 (async () => {
                   for (let i = 0; i < 6; i++) {
                     await invoke('diary_timeline', { filter: { favourites: false, tag: null, person: null }, offset: 0, limit: 100 });
                     await invoke('get_persona');
                     await invoke('provider_settings');
                   }
                 })().then(() => done(null), (e) => done(String(e)));",
            )
            .await;
        } else if probe == Some(SoakProbe::Typing) {
            type_into(
                &app,
                "#composer-input",
                &format!("Round {rounds}: tell me again about the lake in June."),
            )
            .await;
        } else {
            round(&app, data.path(), rounds, leave_out).await;
        }
        // What the page holds, once a minute: the elements in its document,
        // the callbacks registered with Tauri's IPC (each Channel holds one
        // until its Rust end is dropped), and the messages the thread shows.
        let minute = started.elapsed().as_secs() / 60;
        if counted != Some(minute) {
            counted = Some(minute);
            let held = app
                .eval(
                    "return { elements: document.getElementsByTagName('*').length, \
                       callbacks: window.__TAURI_INTERNALS__.callbacks?.size ?? null, \
                       messages: document.querySelectorAll('li.message').length, \
                       channel: window.__soakCounts.channel, answers: window.__soakCounts.answers }",
                )
                .await;
            println!(
                "  after round {rounds:>4} (minute {minute}): {} elements, {} IPC callbacks, {} messages shown; so far {} channel messages, {} answers",
                held["elements"],
                held["callbacks"],
                held["messages"],
                held["channel"],
                held["answers"]
            );
        }
    }
    let series = sampler.await.unwrap();
    // The app's log, kept when asked (with JSC_logGC=true in the
    // environment it holds the web process's every collection).
    if let Some(path) = std::env::var_os("HEARTH_SOAK_LOG") {
        std::fs::write(&path, app.log()).expect("write the app's log");
    }
    app.quit().await;
    let (first, last) = (series[0].1, series[series.len() - 1].1);
    println!(
        "soak: {rounds} rounds in {minutes} min (a message and its reply, a search, every view, a letter drafted and exported to PDF each); PSS {first:.1} MB → {last:.1} MB"
    );
    series
}
