//! How long a letter takes to become a PDF (goal: under 500 ms on two
//! cores), and a book of 100 letters (goal: under 10 s), fonts embedded.
//!
//!     cargo run --release -p hearth-core --example letters_pdf [RUNS]
//!
//! The letters are about a page each (1,800 characters), with a few words
//! in scripts the handwriting lacks (so the fallback fonts are embedded too).

use std::time::{Duration, Instant};

use hearth_core::letters::paper::{self, BookLetter, HandFont, PaperStyle};

fn letter(n: usize) -> String {
    let mut body = format!("Dear friend number {n},\n\n");
    let paragraph = "I keep thinking of the summer at the lake, the jetty warm under our feet, \
and the way the evening came down slowly over the water while we talked about nothing at all. ";
    while body.len() < 1_800 {
        body += paragraph;
        body += "\n\n";
    }
    body += "Zoë sends her love — καλημέρα, 你好.";
    body
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    let body = letter(1);
    for font in HandFont::ALL {
        let mut times = Vec::new();
        let mut size = 0;
        for _ in 0..runs {
            let start = Instant::now();
            let layout = paper::layout(&body, "With love,\nTheodore", font, PaperStyle::Ruled);
            let pdf = paper::letter_pdf("A letter", &layout).unwrap();
            times.push(start.elapsed());
            size = pdf.len();
        }
        println!(
            "one letter, {:<15} median {:>7.1?} over {runs} runs ({} KB)",
            font.family(),
            median(times),
            size / 1024
        );
    }

    let letters: Vec<String> = (1..=100).map(letter).collect();
    let mut times = Vec::new();
    let mut pages = 0;
    let mut size = 0;
    for _ in 0..runs.min(3) {
        let start = Instant::now();
        let bound: Vec<BookLetter> = letters
            .iter()
            .enumerate()
            .map(|(i, b)| BookLetter {
                heading: format!("To friend number {}", i + 1),
                layout: paper::layout(b, "Theodore", HandFont::DancingScript, PaperStyle::Cream),
            })
            .collect();
        let pdf = paper::book_pdf(
            "Letters",
            "100 letters",
            HandFont::DancingScript,
            PaperStyle::Cream,
            &bound,
            &mut |_, _| {},
        )
        .unwrap();
        times.push(start.elapsed());
        pages = paper::book_page_count(&bound);
        size = pdf.len();
    }
    println!(
        "a book of 100 letters: median {:.2?} ({pages} pages, {} KB)",
        median(times),
        size / 1024
    );
}
