//! The Diary's first paint on a journal of 10^5 moments (and 3,000 diary
//! entries): the time from choosing the Diary in the sidebar to the frame
//! that shows its first timeline cards, measured in the page, 20 times.
//!
//! cargo run -p hearth-e2e --example diary_first_paint [MOMENTS]
//! (needs the debug app built, and Xvfb, tauri-driver and WebKitWebDriver as
//! for the end-to-end tests)

use hearth_e2e::{App, Display, click, open_journal, seed_persona, test_persona};
use rusqlite::params;

const MEASURE: &str = "const done = arguments[arguments.length - 1];
const started = performance.now();
document.querySelector(\"nav button[data-view='diary']\").click();
const look = () => {
  if (document.querySelector('#diary .card')) {
    // The frame with the cards: measured once it has been painted.
    requestAnimationFrame(() => setTimeout(() => done(performance.now() - started), 0));
  } else {
    requestAnimationFrame(look);
  }
};
requestAnimationFrame(look);";

#[tokio::main]
async fn main() {
    let moments: i64 = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let display = Display::start();
    let data = tempfile::tempdir().unwrap();
    seed_persona(data.path(), &test_persona());
    let started = std::time::Instant::now();
    open_journal(data.path())
        .with(|c| {
            let tx = c.transaction()?;
            {
                let mut moment = tx.prepare(
                    "INSERT INTO moments (day, title, body, reflection, tags, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, '[\"lake\"]', ?5, ?5)",
                )?;
                let day0 = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
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
                    let day = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()
                        + chrono::Duration::days(d);
                    entry.execute(params![day.to_string(), "Words of the day. ".repeat(40)])?;
                }
            }
            tx.commit()
        })
        .unwrap();
    eprintln!("seeded {moments} moments in {:.1?}", started.elapsed());

    let app = App::launch(&display, data.path()).await;
    app.find("main[data-view='conversation']").await;
    let mut times = Vec::new();
    for _ in 0..20 {
        let ms = app.eval_async(MEASURE).await.as_f64().unwrap();
        times.push(ms);
        click(&app, "nav button[data-view='conversation']").await;
        app.find("main[data-view='conversation']").await;
    }
    let first = times[0];
    times.sort_by(f64::total_cmp);
    println!(
        "Diary first paint with {moments} moments: first {first:.0} ms, p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms (20 runs)",
        times[10], times[18], times[19]
    );
    app.quit().await;
}
