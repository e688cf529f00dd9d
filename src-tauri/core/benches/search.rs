//! "Search everything" and the Diary's first page over a large journal:
//! p50/p95 of `store::search::everything` (entries, moments, letters and
//! messages, highlighted) for what people type in a search box, each kind of
//! query on its own and all together, over 10^6 messages, 10^5 moments,
//! 3,000 diary entries and 2,000 letters; and of the queries the Diary makes
//! when it is opened (the timeline's first page, this month's calendar,
//! "On this day", the tags and people).
//!
//! The journal is generated deterministically (Zipf-distributed made-up
//! words among common English ones and names) and cached under the cargo
//! target directory, so reruns only measure (building it takes a minute or
//! two). `SEARCH_BENCH_QUICK=1` uses 10^5 messages and 10^4 moments.
//!
//! cargo bench -p hearth-core --bench search

use std::path::PathBuf;
use std::time::{Duration, Instant};

use hearth_core::store::Store;
use hearth_core::store::diary::{self, Filter};
use hearth_core::store::search;
use rusqlite::params;

const COMMON: &[&str] = &[
    "the", "i", "to", "and", "a", "you", "it", "of", "that", "in", "is", "was", "my", "for", "so",
    "me", "we", "on", "with", "but", "this", "have", "just", "what", "be", "at", "really", "like",
    "do", "not", "all", "they", "are", "about", "been", "love", "great", "how", "can", "your",
];
const NAMES: &[&str] = &[
    "Caroline", "Melanie", "Amy", "Priya", "Jon", "Gina", "Oscar", "Lena",
];

/// Deterministic xorshift generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Made-up content words; `sample` draws rank r with probability ∝ 1/r.
struct Vocabulary {
    words: Vec<String>,
    cumulative: Vec<f64>,
}

impl Vocabulary {
    fn new(size: usize, rng: &mut Rng) -> Self {
        const SYLLABLES: &[&str] = &[
            "ba", "ke", "lo", "mi", "nu", "ra", "se", "to", "vi", "wo", "dra", "ple", "stu", "gri",
            "shan", "mor", "tel", "quin", "bex", "lor",
        ];
        let mut words = Vec::with_capacity(size);
        let mut seen = std::collections::HashSet::new();
        while words.len() < size {
            let w: String = (0..2 + rng.below(3))
                .map(|_| SYLLABLES[rng.below(SYLLABLES.len())])
                .collect();
            if seen.insert(w.clone()) {
                words.push(w);
            }
        }
        let mut total = 0.0;
        let cumulative = (1..=size)
            .map(|r| {
                total += 1.0 / r as f64;
                total
            })
            .collect();
        Vocabulary { words, cumulative }
    }

    fn sample(&self, rng: &mut Rng) -> &str {
        let x = (rng.next() >> 11) as f64 / (1u64 << 53) as f64 * self.cumulative.last().unwrap();
        let i = self.cumulative.partition_point(|&c| c < x);
        &self.words[i.min(self.words.len() - 1)]
    }
}

fn sentence(rng: &mut Rng, vocab: &Vocabulary, words: usize) -> String {
    let mut out = String::new();
    for i in 0..words {
        if i > 0 {
            out.push(' ');
        }
        match rng.below(100) {
            0..60 => out.push_str(COMMON[rng.below(COMMON.len())]),
            60..63 => out.push_str(NAMES[rng.below(NAMES.len())]),
            _ => out.push_str(vocab.sample(rng)),
        }
    }
    out.push('.');
    out
}

/// Opens the cached journal, building it first if needed.
fn journal(messages: usize, moments: usize, entries: usize, letters: usize) -> Store {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("search-bench");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!(
        "journal-v2-{messages}-{moments}-{entries}-{letters}.db"
    ));
    if !path.exists() {
        let started = Instant::now();
        let building = dir.join("building.db");
        let _ = std::fs::remove_file(&building);
        let (store, _) = Store::open(&building).unwrap();
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let vocab = Vocabulary::new(20_000, &mut rng);
        let start = 1_600_000_000_000_i64;
        // Messages span the days; moments and entries fall on them.
        let days = (messages / 20).max(1) as i64;
        let day_of = |i: i64| {
            chrono::DateTime::from_timestamp_millis(start + i * 86_400_000)
                .unwrap()
                .format("%Y-%m-%d")
                .to_string()
        };
        store
            .with(|c| {
                let tx = c.transaction()?;
                {
                    let mut insert = tx.prepare(
                        "INSERT INTO messages (role, content, status, created_at)
                         VALUES (?1, ?2, 'complete', ?3)",
                    )?;
                    for i in 0..messages {
                        let at = start + (i as i64 / 20) * 86_400_000 + (i as i64 % 20) * 30_000;
                        let role = if i % 2 == 0 { "user" } else { "assistant" };
                        let n = 4 + rng.below(37);
                        insert.execute(params![role, sentence(&mut rng, &vocab, n), at])?;
                    }
                    let mut insert = tx.prepare(
                        "INSERT INTO moments (day, title, body, reflection, tags, favourite, created_at, updated_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
                    )?;
                    for i in 0..moments {
                        let d = rng.below(days as usize) as i64;
                        let tags = format!("[\"{}\"]", vocab.sample(&mut rng));
                        insert.execute(params![
                            day_of(d),
                            sentence(&mut rng, &vocab, 5),
                            sentence(&mut rng, &vocab, 25),
                            sentence(&mut rng, &vocab, 30),
                            tags,
                            i % 20 == 0,
                            start + d * 86_400_000
                        ])?;
                    }
                    let mut insert = tx.prepare(
                        "INSERT INTO diary_entries (day, title, body, mood, tags, people, written_by, created_at, updated_at)
                         VALUES (?1, ?2, ?3, 'calm', ?4, ?5, 'Bench', ?6, ?6)",
                    )?;
                    for d in 0..(entries as i64).min(days) {
                        let body = (0..4)
                            .map(|_| sentence(&mut rng, &vocab, 40))
                            .collect::<Vec<_>>()
                            .join("\n\n");
                        insert.execute(params![
                            day_of(days - 1 - d),
                            sentence(&mut rng, &vocab, 5),
                            body,
                            format!("[\"{}\"]", vocab.sample(&mut rng)),
                            format!("[\"{}\"]", NAMES[rng.below(NAMES.len())]),
                            start + (days - 1 - d) * 86_400_000
                        ])?;
                    }
                    let mut insert = tx.prepare(
                        "INSERT INTO letters (recipient, occasion, body, created_at, updated_at)
                         VALUES (?1, ?2, ?3, ?4, ?4)",
                    )?;
                    for _ in 0..letters {
                        let d = rng.below(days as usize) as i64;
                        let body = (0..8)
                            .map(|_| sentence(&mut rng, &vocab, 35))
                            .collect::<Vec<_>>()
                            .join("\n\n");
                        insert.execute(params![
                            NAMES[rng.below(NAMES.len())],
                            sentence(&mut rng, &vocab, 3),
                            body,
                            start + d * 86_400_000
                        ])?;
                    }
                }
                tx.commit()?;
                c.execute_batch(
                    "INSERT INTO messages_fts (messages_fts) VALUES ('optimize');
                     INSERT INTO moments_fts (moments_fts) VALUES ('optimize');
                     INSERT INTO diary_fts (diary_fts) VALUES ('optimize');
                     INSERT INTO letters_fts (letters_fts) VALUES ('optimize');",
                )
            })
            .unwrap();
        drop(store);
        std::fs::rename(&building, &path).unwrap();
        eprintln!(
            "built {messages} messages, {moments} moments, {entries} entries, {letters} letters in {:.0?}",
            started.elapsed()
        );
    }
    let opening = Instant::now();
    let (store, report) = Store::open(&path).unwrap();
    if let Some(backup) = report.backup {
        // A journal cached by an older build was just migrated.
        eprintln!(
            "migrated from version {} in {:.1?}",
            report.found_version,
            opening.elapsed()
        );
        let _ = std::fs::remove_file(backup);
    }
    store
}

/// What people type in a search box, by kind: (kind, text) pairs.
fn queries(rng: &mut Rng, vocab: &Vocabulary) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for _ in 0..40 {
        out.push(("one word", vocab.sample(rng).to_owned()));
        out.push((
            "two words",
            format!("{} {}", vocab.sample(rng), vocab.sample(rng)),
        ));
        out.push((
            "a name and a word",
            format!("{} {}", NAMES[rng.below(NAMES.len())], vocab.sample(rng)),
        ));
        // Each step of typing one word, from its third letter on.
        let word = vocab.sample(rng);
        let step = 3 + rng.below(word.len() - 2);
        out.push(("a prefix while typing", word[..step].to_owned()));
        out.push((
            "a rare word",
            vocab.words[5_000 + rng.below(vocab.words.len() - 5_000)].clone(),
        ));
        out.push((
            "a very common word",
            COMMON[rng.below(COMMON.len())].to_owned(),
        ));
        out.push((
            "two common words",
            format!("{} {}", COMMON[rng.below(8)], COMMON[rng.below(8)]),
        ));
        out.push(("odd text", format!("\"{}\" OR NOT (", vocab.sample(rng))));
    }
    out
}

fn measure(messages: usize, moments: usize, entries: usize, letters: usize) {
    let store = journal(messages, moments, entries, letters);
    let vocab = Vocabulary::new(20_000, &mut Rng(0x9E37_79B9_7F4A_7C15));
    let qs = queries(&mut Rng(42), &vocab);
    let what =
        format!("{messages} messages, {moments} moments, {entries} entries, {letters} letters");
    // Warm the page cache and statement cache, as a running app would be.
    for (_, q) in qs.iter().take(40) {
        store.with(|c| search::everything(c, q, 20, 60)).unwrap();
    }
    println!("search everything over {what}:");
    let mut kinds: Vec<&str> = Vec::new();
    for (kind, _) in &qs {
        if !kinds.contains(kind) {
            kinds.push(kind);
        }
    }
    for kind in kinds {
        let these: Vec<&String> = qs
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, q)| q)
            .collect();
        time_each(&format!("  {kind}"), these, |q| {
            store.with(|c| search::everything(c, q, 20, 60)).unwrap()
        });
    }
    time_each("  all kinds together", qs.iter().map(|(_, q)| q), |q| {
        store.with(|c| search::everything(c, q, 20, 60)).unwrap()
    });
    let last_day: String = store
        .with(|c| c.query_row("SELECT max(day) FROM moments", [], |r| r.get(0)))
        .unwrap();
    let month = last_day[..7].to_owned();
    time_each(
        &format!("the Diary's first queries over {what}"),
        0..50,
        |_| {
            store
                .with(|c| {
                    Ok((
                        diary::timeline(c, &Filter::default(), 0, 100)?,
                        diary::calendar(c, &month)?,
                        diary::on_this_day(c, &last_day, 20)?,
                        diary::facets(c)?,
                    ))
                })
                .unwrap()
        },
    );
    time_each(&format!("timeline first page over {what}"), 0..50, |_| {
        store
            .with(|c| diary::timeline(c, &Filter::default(), 0, 100))
            .unwrap()
    });
    let favourites = Filter {
        favourites: true,
        ..Filter::default()
    };
    time_each(&format!("favourites first page over {what}"), 0..50, |_| {
        store
            .with(|c| diary::timeline(c, &favourites, 0, 100))
            .unwrap()
    });
}

fn time_each<T: std::fmt::Debug, R>(
    what: &str,
    items: impl IntoIterator<Item = T>,
    mut run: impl FnMut(&T) -> R,
) {
    let mut times: Vec<(Duration, T)> = items
        .into_iter()
        .map(|item| {
            let started = Instant::now();
            std::hint::black_box(run(&item));
            (started.elapsed(), item)
        })
        .collect();
    times.sort_by_key(|(took, _)| *took);
    let at = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)].0;
    let (slowest, which) = times.last().unwrap();
    println!(
        "{what}: p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms ({} runs), slowest {which:?}",
        at(0.50).as_secs_f64() * 1e3,
        at(0.95).as_secs_f64() * 1e3,
        slowest.as_secs_f64() * 1e3,
        times.len()
    );
}

fn main() {
    // `cargo test --benches` passes test flags; only run under `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    if std::env::var_os("SEARCH_BENCH_QUICK").is_some() {
        measure(100_000, 10_000, 1_000, 500);
    } else {
        measure(1_000_000, 100_000, 3_000, 2_000);
    }
}
