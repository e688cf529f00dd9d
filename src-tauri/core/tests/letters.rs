//! Letters through the service, as the window uses them: people and their
//! dates, drafting and revising against the fake provider on loopback,
//! versions, diffs and restore; and the PDFs, read back with poppler's tools
//! (pdftotext, pdffonts, pdfinfo: installed by scripts/test.sh).

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use chrono::{Datelike, NaiveDate};
use hearth_core::generation::StreamEvent;
use hearth_core::letters::paper::{HandFont, PaperStyle};
use hearth_core::letters::{self, Change};
use hearth_core::providers::{ProviderConfig, ProviderKind};
use hearth_core::service::{Compose, TurnStart};
use hearth_core::store::letters::{
    LetterBrief, LetterLength, PersonDate, PersonDraft, QuestionAnswer, VersionSource,
    VersionStatus, WeaveSource,
};
use hearth_core::store::memories::{self, MemoryDraft, MemoryKind};
use hearth_core::store::messages::{self, MessageStatus, Role};
use hearth_core::store::persona::Persona;
use hearth_core::{ErrorCode, Hearth, Options};
use hearth_fake_provider::{FakeProvider, Format, Step};

const KEY: &str = "sk-test-letters";

async fn hearth(dir: &Path, server: Option<&FakeProvider>) -> Arc<Hearth> {
    let h = Hearth::open(
        dir.to_path_buf(),
        Options {
            keyring_service: None,
            models_dir: Some(dir.join("no-models")),
            background_delay: Duration::ZERO,
            ollama_url: "http://127.0.0.1:9".into(),
            ..Default::default()
        },
    );
    if let Some(server) = server {
        h.save_provider(ProviderConfig {
            kind: ProviderKind::OpenaiCompatible,
            base_url: server.base_url(Format::OpenAi),
            model: "fake-small".into(),
            context_length: Some(8_192),
        })
        .await
        .unwrap();
        h.set_api_key(
            ProviderKind::OpenaiCompatible,
            server.base_url(Format::OpenAi),
            KEY.into(),
        )
        .await
        .unwrap();
    }
    h.save_persona(
        Persona {
            companion_name: "Ember".into(),
            voice: "Gentle.".into(),
            user_name: "Theodore".into(),
            address_style: "Plainly.".into(),
            hopes: "Company.".into(),
        },
        None,
    )
    .await
    .unwrap();
    h
}

fn brief(recipient: &str) -> LetterBrief {
    LetterBrief {
        person_id: None,
        recipient: recipient.into(),
        occasion: "Her birthday".into(),
        carry: "Thanks for the summers".into(),
        weave: vec!["the summer at the lake".into()],
        tone: "tender".into(),
        length: LetterLength::Short,
        signature: "With love,\nTheodore".into(),
    }
}

/// Composes and collects the events until the text ends.
async fn compose(h: &Arc<Hearth>, id: i64, what: Compose) -> Vec<StreamEvent> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    h.compose_letter(id, what, move |e| {
        let _ = tx.send(e);
    })
    .await
    .unwrap();
    let mut events = Vec::new();
    while let Some(e) = rx.recv().await {
        let end = matches!(e, StreamEvent::Done { .. } | StreamEvent::Failed { .. });
        events.push(e);
        if end {
            break;
        }
    }
    events
}

fn deltas(events: &[StreamEvent]) -> String {
    events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::Delta { text } => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

fn last_prompt(server: &FakeProvider) -> String {
    let requests = server.requests();
    let body = &requests.last().unwrap().body;
    body["messages"].to_string()
}

#[tokio::test]
async fn people_their_dates_and_what_is_coming_up() {
    let dir = tempfile::tempdir().unwrap();
    let h = hearth(dir.path(), None).await;
    let amy = h
        .save_person(
            None,
            PersonDraft {
                name: "  Amy ".into(),
                relationship: "sister".into(),
                notes: "Lives by the sea.".into(),
                dates: vec![PersonDate {
                    label: "Birthday".into(),
                    month: 3,
                    day: 12,
                    year: Some(1990),
                }],
            },
        )
        .await
        .unwrap();
    assert_eq!(amy.name, "Amy");
    assert_eq!(amy.dates.len(), 1);

    // A date that is not on the calendar is refused with a sentence, and
    // the person is left as they were.
    let err = h
        .save_person(
            Some(amy.id),
            PersonDraft {
                name: "Amy".into(),
                relationship: "sister".into(),
                notes: String::new(),
                dates: vec![PersonDate {
                    label: "Birthday".into(),
                    month: 2,
                    day: 30,
                    year: None,
                }],
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(err.message.contains("30 February"), "{}", err.message);
    let err = h
        .save_person(
            None,
            PersonDraft {
                name: " ".into(),
                relationship: String::new(),
                notes: String::new(),
                dates: vec![],
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert_eq!(h.people().await.unwrap(), vec![amy.clone()]);

    // Edited: a wedding anniversary added.
    let edited = h
        .save_person(
            Some(amy.id),
            PersonDraft {
                name: "Amy".into(),
                relationship: "sister".into(),
                notes: "Lives by the sea.".into(),
                dates: vec![
                    amy.dates[0].clone(),
                    PersonDate {
                        label: "Anniversary".into(),
                        month: 6,
                        day: 3,
                        year: Some(2015),
                    },
                ],
            },
        )
        .await
        .unwrap();
    assert_eq!(edited.dates.len(), 2);

    // What comes up within a window, soonest first, with the years it marks.
    let people = h.people().await.unwrap();
    let today = NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
    let soon = letters::upcoming_dates(&people, today, 30);
    assert_eq!(soon.len(), 1);
    assert_eq!(soon[0].person, "Amy");
    assert_eq!(soon[0].date, "2027-03-12");
    assert_eq!(soon[0].days_until, 11);
    assert_eq!(soon[0].years, Some(37));
    let year = letters::upcoming_dates(&people, today, 365);
    assert_eq!(
        year.iter().map(|d| d.label.as_str()).collect::<Vec<_>>(),
        ["Birthday", "Anniversary"]
    );
    // The service answers from today's date: every date falls within a year.
    assert_eq!(h.upcoming_dates(366).await.unwrap().len(), 2);

    assert!(h.delete_person(amy.id).await.unwrap());
    assert!(h.people().await.unwrap().is_empty());
}

#[tokio::test]
async fn people_are_suggested_from_what_the_companion_remembers() {
    let dir = tempfile::tempdir().unwrap();
    let h = hearth(dir.path(), None).await;
    let store = h.store().unwrap();
    store
        .with(|c| {
            for (text, kind) in [
                (
                    "The user's brother Paul was born on 4 July 1985.",
                    MemoryKind::Date,
                ),
                ("The user loves the sea.", MemoryKind::Preference),
                ("The user's friend Mia moved to Lisbon.", MemoryKind::Person),
            ] {
                memories::insert(
                    c,
                    &MemoryDraft {
                        text: text.into(),
                        kind,
                        importance: 3,
                    },
                    None,
                    1,
                )?;
            }
            Ok(())
        })
        .unwrap();
    let suggested = h.person_suggestions().await.unwrap();
    let names: Vec<&str> = suggested.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"Paul") && names.contains(&"Mia"));
    let paul = suggested.iter().find(|s| s.name == "Paul").unwrap();
    assert_eq!(
        (paul.dates[0].month, paul.dates[0].day, paul.dates[0].year),
        (7, 4, Some(1985))
    );
    // Once added, no longer suggested.
    h.save_person(
        None,
        PersonDraft {
            name: "Paul".into(),
            relationship: "brother".into(),
            notes: paul.notes.clone(),
            dates: paul.dates.clone(),
        },
    )
    .await
    .unwrap();
    let names: Vec<String> = h
        .person_suggestions()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["Mia"]);
}

#[tokio::test]
async fn a_letter_is_asked_about_drafted_edited_revised_compared_and_restored() {
    let server = FakeProvider::start().await;
    server.require_key(KEY);
    let dir = tempfile::tempdir().unwrap();
    let h = hearth(dir.path(), Some(&server)).await;

    // An empty recipient gets a sentence, not a letter.
    let err = h.create_letter(brief("  ")).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);

    let desk = h.create_letter(brief("Mum")).await.unwrap();
    let id = desk.letter.id;
    assert!(desk.versions.is_empty());

    server.script([Step::reply([
        r#"{"questions": ["What do you remember of the lake?", "#,
        r#""What should she feel?"]}"#,
    ])]);
    let questions = h.letter_questions(id).await.unwrap();
    assert_eq!(
        questions,
        ["What do you remember of the lake?", "What should she feel?"]
    );
    assert!(last_prompt(&server).contains("the summer at the lake"));

    // The draft streams, from the user's own answers.
    server.script([Step::reply([
        "Dear Mum,\n\nI still ",
        "think of the lake ",
        "every June.",
    ])]);
    let answers = vec![
        QuestionAnswer {
            question: questions[0].clone(),
            answer: "Her laugh on the jetty".into(),
        },
        QuestionAnswer {
            question: questions[1].clone(),
            answer: "Held".into(),
        },
    ];
    let events = compose(&h, id, Compose::Draft(answers)).await;
    assert!(matches!(events.last(), Some(StreamEvent::Done { .. })));
    let first = "Dear Mum,\n\nI still think of the lake every June.";
    assert_eq!(deltas(&events), first);
    assert!(last_prompt(&server).contains("Her laugh on the jetty"));
    let desk = h.letter_desk(id).await.unwrap();
    assert_eq!(desk.letter.body, first);
    assert_eq!(desk.letter.answers.len(), 2);
    assert_eq!(desk.versions.len(), 1);
    assert_eq!(desk.versions[0].source, VersionSource::Draft);
    assert_eq!(desk.versions[0].status, VersionStatus::Complete);

    // The user edits (autosaved), then asks for a warmer letter: the edit is
    // kept as its own version before the revision, and the revision is
    // asked about the edited text.
    let edited = "Dear Mum,\n\nI still think of the lake every single June.";
    h.save_letter_text(id, edited.into()).await.unwrap();
    assert_eq!(h.letter_desk(id).await.unwrap().letter.body, edited);
    let warmer = "Dearest Mum,\n\nI still think of the lake every single June, and of you.";
    server.script([Step::reply([warmer])]);
    let events = compose(&h, id, Compose::Revise("warmer".into())).await;
    assert!(matches!(events.last(), Some(StreamEvent::Done { .. })));
    let prompt = last_prompt(&server);
    assert!(prompt.contains("every single June") && prompt.contains("warmer"));
    let desk = h.letter_desk(id).await.unwrap();
    let sources: Vec<_> = desk.versions.iter().map(|v| v.source).collect();
    assert_eq!(
        sources,
        [
            VersionSource::Draft,
            VersionSource::Edit,
            VersionSource::Revision
        ]
    );
    assert_eq!(desk.versions[1].body, edited);
    assert_eq!(desk.versions[2].request.as_deref(), Some("warmer"));
    assert_eq!(desk.letter.body, warmer);

    // An empty revision request gets a sentence.
    let err = h
        .compose_letter(id, Compose::Revise(" ".into()), |_| {})
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);

    // A word-level diff from the draft to the revision.
    let diff = h
        .diff_letter_versions(desk.versions[0].id, desk.versions[2].id)
        .await
        .unwrap();
    let of = |change| {
        diff.iter()
            .filter(|p| p.change == change)
            .map(|p| p.text.as_str())
            .collect::<String>()
    };
    assert!(of(Change::Removed).contains("Dear") && !of(Change::Removed).contains("lake"));
    assert!(of(Change::Added).contains("Dearest") && of(Change::Added).contains("single"));
    assert!(of(Change::Added).contains("of you"));
    // Reading the diff's old side and new side gives back each version.
    let side = |keep| {
        diff.iter()
            .filter(|p| p.change == Change::Same || p.change == keep)
            .map(|p| p.text.as_str())
            .collect::<String>()
    };
    assert_eq!(side(Change::Removed), first);
    assert_eq!(side(Change::Added), warmer);

    // Restoring the first draft makes it the newest version; nothing is lost.
    let desk = h.restore_letter_version(desk.versions[0].id).await.unwrap();
    assert_eq!(desk.letter.body, first);
    assert_eq!(desk.versions.len(), 4);
    assert_eq!(desk.versions[3].source, VersionSource::Restore);
    assert_eq!(desk.versions[3].body, first);

    // Found by the letters' full-text index.
    let found: i64 = h
        .store()
        .unwrap()
        .with(|c| {
            c.query_row(
                "SELECT rowid FROM letters_fts WHERE letters_fts MATCH '\"lake\"'",
                [],
                |r| r.get(0),
            )
        })
        .unwrap();
    assert_eq!(found, id);
}

#[tokio::test]
async fn a_provider_failure_mid_draft_keeps_what_was_written_and_can_be_tried_again() {
    let server = FakeProvider::start().await;
    server.require_key(KEY);
    let dir = tempfile::tempdir().unwrap();
    let h = hearth(dir.path(), Some(&server)).await;
    let id = h.create_letter(brief("Chris")).await.unwrap().letter.id;

    server.script([Step::ErrorEventAfter {
        chunks: vec!["Dear Chris,\n\n".into(), "Thank you for".into()],
        message: "overloaded".into(),
    }]);
    let events = compose(&h, id, Compose::Draft(vec![])).await;
    let Some(StreamEvent::Failed { partial, .. }) = events.last() else {
        panic!("expected a failure, got {events:?}");
    };
    assert_eq!(partial, "Dear Chris,\n\nThank you for");
    let desk = h.letter_desk(id).await.unwrap();
    assert_eq!(desk.versions.len(), 1);
    assert_eq!(desk.versions[0].status, VersionStatus::Error);
    assert_eq!(desk.versions[0].body, "Dear Chris,\n\nThank you for");
    assert!(desk.versions[0].error.is_some());
    assert_eq!(desk.letter.body, "Dear Chris,\n\nThank you for");

    // Try again: a new draft, the cut one still kept.
    server.script([Step::reply(["Dear Chris,\n\nThank you for everything."])]);
    let events = compose(&h, id, Compose::Draft(vec![])).await;
    assert!(matches!(events.last(), Some(StreamEvent::Done { .. })));
    let desk = h.letter_desk(id).await.unwrap();
    let statuses: Vec<_> = desk.versions.iter().map(|v| v.status).collect();
    assert_eq!(statuses, [VersionStatus::Error, VersionStatus::Complete]);
    assert_eq!(desk.letter.body, "Dear Chris,\n\nThank you for everything.");
}

// ---- on paper ---------------------------------------------------------------

fn tool(name: &str, args: &[&str]) -> String {
    let out = Command::new(name).args(args).output().unwrap_or_else(|e| {
        panic!("{name} is needed (poppler-utils, installed by scripts/test.sh): {e}")
    });
    assert!(
        out.status.success(),
        "{name} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn pages(pdf: &Path) -> usize {
    let info = tool("pdfinfo", &[pdf.to_str().unwrap()]);
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

fn text_of(pdf: &Path, page: Option<usize>) -> String {
    let p = page.map(|p| p.to_string());
    let mut args = vec![];
    if let Some(p) = &p {
        args.extend(["-f", p.as_str(), "-l", p.as_str()]);
    }
    args.extend([pdf.to_str().unwrap(), "-"]);
    tool("pdftotext", &args)
}

fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

/// Embedded fonts, by name (pdffonts: name, type, encoding, emb, sub, uni, object).
fn embedded_fonts(pdf: &Path) -> Vec<String> {
    tool("pdffonts", &[pdf.to_str().unwrap()])
        .lines()
        .skip(2)
        .filter(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            cols.len() >= 7 && cols[cols.len() - 5] == "yes"
        })
        .map(|l| l.split_whitespace().next().unwrap().to_owned())
        .collect()
}

async fn letter_with(h: &Arc<Hearth>, body: &str, font: HandFont) -> i64 {
    let id = h.create_letter(brief("Mum")).await.unwrap().letter.id;
    h.save_letter_text(id, body.into()).await.unwrap();
    h.set_letter_style(id, font, PaperStyle::Ruled)
        .await
        .unwrap();
    id
}

#[tokio::test]
async fn a_letter_exports_as_a_pdf_holding_its_words_in_the_chosen_font() {
    let dir = tempfile::tempdir().unwrap();
    let h = hearth(dir.path(), None).await;
    let body = "Dear Mum,\n\nI still think of the lake every June, of your laugh on the jetty and the \
cold water, and of how you waited with the towel. Thank you for every one of those summers.\n\nIt \
was the best of us.";
    for font in HandFont::ALL {
        let id = letter_with(&h, body, font).await;
        let path = dir.path().join(format!("out/{}", font.id()));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let saved = h
            .export_letter_pdf(id, path.to_string_lossy().into_owned())
            .await
            .unwrap();
        // ".pdf" is added to a name without it.
        assert!(saved.path.ends_with(&format!("{}.pdf", font.id())));
        let pdf = Path::new(&saved.path);
        assert!(std::fs::read(pdf).unwrap().starts_with(b"%PDF-"));
        assert_eq!(pages(pdf), saved.pages as usize);
        let expected = words(&format!("{body}\nWith love,\nTheodore"));
        assert_eq!(words(&text_of(pdf, None)), expected, "{font:?}");
        let fonts = embedded_fonts(pdf);
        let family = font.family().replace(' ', "");
        assert!(
            fonts.iter().any(|f| f.contains(&family)),
            "{family} not embedded: {fonts:?}"
        );
    }
}

#[tokio::test]
async fn any_unicode_prints_in_a_font_that_has_it() {
    let dir = tempfile::tempdir().unwrap();
    let h = hearth(dir.path(), None).await;
    let body = "Dear Zoë, καλημέρα! Привет. 你好，朋友。 ★ ♥";
    let id = letter_with(&h, body, HandFont::DancingScript).await;
    let path = dir.path().join("unicode.pdf");
    h.export_letter_pdf(id, path.to_string_lossy().into_owned())
        .await
        .unwrap();
    let text = text_of(&path, None);
    for piece in ["Zoë", "καλημέρα", "Привет", "你好", "★", "♥"] {
        assert!(text.contains(piece), "{piece} missing from {text:?}");
    }
    let fonts = embedded_fonts(&path);
    assert!(fonts.iter().any(|f| f.contains("DejaVuSans")), "{fonts:?}");
    assert!(
        fonts.iter().any(|f| f.contains("DroidSansFallback")),
        "{fonts:?}"
    );
    // The preview's layout names the same faces run by run.
    let layout = h
        .letter_layout(
            body.into(),
            String::new(),
            HandFont::DancingScript,
            PaperStyle::Cream,
        )
        .await
        .unwrap();
    let faces: Vec<_> = layout.pages[0]
        .iter()
        .flat_map(|l| l.runs.iter().map(|r| r.face))
        .collect();
    assert!(faces.contains(&hearth_core::letters::paper::Face::Wide));
}

#[tokio::test]
async fn a_long_letter_breaks_into_pages_and_exports_whole() {
    let dir = tempfile::tempdir().unwrap();
    let h = hearth(dir.path(), None).await;
    let paragraph = "Every summer we drove to the lake with the windows down and the radio on, and you \
sang the wrong words on purpose so that we would laugh. ";
    let mut body = String::from("Dear Mum,\n\n");
    let mut n = 0;
    while body.len() < 50_000 {
        n += 1;
        body += &format!("{n}. {paragraph}\n\n");
    }
    body += "The end.";
    let id = letter_with(&h, &body, HandFont::KaushanScript).await;
    let layout = h
        .letter_layout(
            body.clone(),
            "Theodore".into(),
            HandFont::KaushanScript,
            PaperStyle::Ruled,
        )
        .await
        .unwrap();
    assert!(layout.pages.len() > 20, "{} pages", layout.pages.len());
    let path = dir.path().join("long.pdf");
    let saved = h
        .export_letter_pdf(id, path.to_string_lossy().into_owned())
        .await
        .unwrap();
    assert_eq!(pages(&path), layout.pages.len());
    assert_eq!(saved.pages as usize, layout.pages.len());
    let text = text_of(&path, None);
    assert_eq!(
        words(&text),
        words(&format!("{body}\nWith love,\nTheodore"))
    );
}

#[tokio::test]
async fn a_book_of_three_letters_has_a_cover_a_contents_page_and_numbered_pages() {
    let dir = tempfile::tempdir().unwrap();
    let h = hearth(dir.path(), None).await;
    let mut ids = Vec::new();
    let long = "A line that goes on for a while about the lake and the summers. ".repeat(150);
    for (who, body) in [
        ("Mum", "Dear Mum,\n\nThank you."),
        ("Chris", long.as_str()),
        ("Ana", "Dear Ana,\n\nCongratulations!"),
    ] {
        let id = h.create_letter(brief(who)).await.unwrap().letter.id;
        h.save_letter_text(id, body.into()).await.unwrap();
        ids.push(id);
    }
    let chris_pages = h
        .letter_layout(
            long.clone(),
            "With love,\nTheodore".into(),
            HandFont::Kristi,
            PaperStyle::Cream,
        )
        .await
        .unwrap()
        .pages
        .len();
    assert!(chris_pages >= 2);

    let path = dir.path().join("book.pdf");
    let heard = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = heard.clone();
    let saved = h
        .export_book(
            ids,
            "Letters".into(),
            HandFont::Kristi,
            PaperStyle::Cream,
            path.to_string_lossy().into_owned(),
            move |p| sink.lock().unwrap().push((p.done, p.total)),
        )
        .await
        .unwrap();
    let expected = 1 + 1 + 1 + chris_pages + 1;
    assert_eq!(pages(&path), expected);
    assert_eq!(saved.pages as usize, expected);
    assert_eq!(*heard.lock().unwrap(), [(1, 3), (2, 3), (3, 3)]);

    let cover = text_of(&path, Some(1));
    assert!(
        cover.contains("Letters") && cover.contains("3 letters by Theodore"),
        "{cover}"
    );
    // The contents lists each letter with the page it begins on, a line each.
    let contents: Vec<String> = tool(
        "pdftotext",
        &["-layout", "-f", "2", "-l", "2", path.to_str().unwrap(), "-"],
    )
    .lines()
    .map(|l| words(l).join(" "))
    .filter(|l| !l.is_empty())
    .collect();
    let expected: Vec<String> = [("Mum", 3), ("Chris", 4), ("Ana", 4 + chris_pages)]
        .iter()
        .map(|(who, page)| format!("To {who} — Her birthday {page}"))
        .collect();
    assert_eq!(contents[0], "Contents");
    assert_eq!(contents[1..], expected[..]);
    // Each letter begins on its page, and the pages carry their numbers.
    assert!(text_of(&path, Some(3)).contains("Thank you."));
    assert!(text_of(&path, Some(4 + chris_pages)).contains("Congratulations!"));
    assert_eq!(
        words(&text_of(&path, Some(5))).last().map(String::as_str),
        Some("5")
    );

    let err = h
        .export_book(
            vec![],
            "Letters".into(),
            HandFont::Kristi,
            PaperStyle::Cream,
            "x.pdf".into(),
            |_| {},
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
}

/// Starts a conversation turn and waits for it to end.
async fn talk(h: &Arc<Hearth>, text: &str) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    h.start_turn(TurnStart::Send(text.into()), move |e| {
        let _ = tx.send(e);
    })
    .await
    .unwrap();
    while let Some(e) = rx.recv().await {
        if let StreamEvent::Failed { error, .. } = &e {
            panic!("the reply failed: {}", error.message);
        }
        if matches!(e, StreamEvent::Done { .. }) {
            break;
        }
    }
}

/// The note of the turn's context heading the last chat request's new message.
fn context_of_last_chat(server: &FakeProvider) -> String {
    let requests = server.requests();
    let chat = requests
        .iter()
        .rev()
        .find(|r| r.path.ends_with("/chat/completions"))
        .expect("a chat request");
    let last = chat.body["messages"].as_array().unwrap().last().unwrap()["content"]
        .as_str()
        .unwrap_or_default();
    let (note, _) = last
        .split_once(hearth_core::companion::prompt::NOTE_CLOSE)
        .expect("the new message opens with a note");
    note.to_owned()
}

#[tokio::test]
async fn a_date_coming_up_is_mentioned_in_conversation_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeProvider::start().await;
    let h = hearth(dir.path(), Some(&server)).await;
    let soon = chrono::Local::now().date_naive() + chrono::Duration::days(3);
    let far = chrono::Local::now().date_naive() + chrono::Duration::days(40);
    for (name, on) in [("Amy", soon), ("Paul", far)] {
        h.save_person(
            None,
            PersonDraft {
                name: name.into(),
                relationship: "friend".into(),
                notes: String::new(),
                dates: vec![PersonDate {
                    label: "Birthday".into(),
                    month: on.month() as u8,
                    day: on.day() as u8,
                    year: None,
                }],
            },
        )
        .await
        .unwrap();
    }
    server.script([Step::reply(["Hello!"])]);
    talk(&h, "Good morning.").await;
    let system = context_of_last_chat(&server);
    assert!(
        system.contains("Coming up: Amy's birthday is on") && system.contains("(in 3 days)"),
        "{system}"
    );
    assert!(
        !system.contains("Paul"),
        "a date weeks away is not brought up"
    );

    server.script([Step::reply(["Of course."])]);
    talk(&h, "What should I cook tonight?").await;
    let system = context_of_last_chat(&server);
    assert!(!system.contains("Coming up"), "mentioned once: {system}");
}

#[tokio::test]
async fn a_finished_letter_is_kept_in_the_diary_on_its_day() {
    let dir = tempfile::tempdir().unwrap();
    let h = hearth(dir.path(), None).await;
    let today = chrono::Local::now().date_naive().to_string();
    let id = h.create_letter(brief("Mum")).await.unwrap().letter.id;

    // Nothing on the desk: a gentle word, nothing finished.
    let err = h.finish_letter(id, true).await.unwrap_err();
    assert!(err.message.contains("write a few words"), "{}", err.message);

    let body =
        "Dear Mum,\n\nThank you for the summers at the lake, for the bread and the long evenings.";
    h.save_letter_text(id, body.into()).await.unwrap();
    let desk = h.finish_letter(id, true).await.unwrap();
    assert!(desk.letter.finished_at.is_some());
    assert_eq!(
        desk.versions.last().map(|v| v.body.as_str()),
        Some(body),
        "the finished text is kept as a version"
    );
    let summary = h.letters().await.unwrap();
    assert_eq!(summary[0].finished_at, desk.letter.finished_at);

    let day = h.diary_day(today.clone()).await.unwrap();
    let kept: Vec<_> = day
        .moments
        .iter()
        .filter(|m| m.letter_id == Some(id))
        .collect();
    assert_eq!(kept.len(), 1, "{:?}", day.moments);
    assert_eq!(kept[0].title, "A letter to Mum");
    assert!(
        kept[0]
            .body
            .starts_with("Theodore finished a letter to Mum (Her birthday).\n\n“Dear Mum, Thank you for the summers"),
        "{}",
        kept[0].body
    );
    let found = h.search_everything("summers".into()).await.unwrap();
    assert!(!found.is_empty(), "the diary's moment is found");

    // Finished again after a change: still one moment, with the new words.
    h.save_letter_text(id, format!("{body}\n\nAnd for the music."))
        .await
        .unwrap();
    h.finish_letter(id, true).await.unwrap();
    let day = h.diary_day(today.clone()).await.unwrap();
    let kept: Vec<_> = day
        .moments
        .iter()
        .filter(|m| m.letter_id == Some(id))
        .collect();
    assert_eq!(kept.len(), 1);
    assert!(kept[0].body.contains("And for the music."));

    // A draft again: the diary lets it go.
    let desk = h.finish_letter(id, false).await.unwrap();
    assert_eq!(desk.letter.finished_at, None);
    let day = h.diary_day(today.clone()).await.unwrap();
    assert!(day.moments.iter().all(|m| m.letter_id != Some(id)));

    // Deleting a finished letter takes its moment with it.
    h.finish_letter(id, true).await.unwrap();
    assert!(h.delete_letter(id).await.unwrap());
    let day = h.diary_day(today).await.unwrap();
    assert!(day.moments.iter().all(|m| m.letter_id.is_none()));
}

#[tokio::test]
async fn memories_and_the_diarys_moments_are_offered_to_weave_in() {
    let dir = tempfile::tempdir().unwrap();
    let h = hearth(dir.path(), None).await;
    let store = h.store().unwrap();
    store
        .with(|c| {
            memories::insert(
                c,
                &MemoryDraft {
                    text: "Amy loves the sea at Brighton.".into(),
                    kind: MemoryKind::Person,
                    importance: 4,
                },
                None,
                1,
            )
        })
        .unwrap();
    let said = store
        .with(|c| {
            messages::insert(
                c,
                Role::User,
                "Amy and I sang all the way home from the lake.",
                MessageStatus::Complete,
                None,
            )
        })
        .unwrap();
    let other = store
        .with(|c| {
            messages::insert(
                c,
                Role::User,
                "Paul fixed my bicycle today.",
                MessageStatus::Complete,
                None,
            )
        })
        .unwrap();
    h.keep_moment(said.id).await.unwrap();
    h.keep_moment(other.id).await.unwrap();

    let choices = h.weave_choices("Amy".into()).await.unwrap();
    let of = |source: WeaveSource| -> Vec<&str> {
        choices
            .iter()
            .filter(|c| c.source == source)
            .map(|c| c.text.as_str())
            .collect()
    };
    assert_eq!(of(WeaveSource::Memory), ["Amy loves the sea at Brighton."]);
    let moments = of(WeaveSource::Moment);
    assert_eq!(moments.len(), 1, "{choices:?}");
    assert!(
        moments[0].contains("“Amy and I sang all the way home from the lake.”"),
        "{}",
        moments[0]
    );
    // No one named: the diary's moments are all offered.
    let all = h.weave_choices("  ".into()).await.unwrap();
    assert_eq!(
        all.iter()
            .filter(|c| c.source == WeaveSource::Moment)
            .count(),
        2
    );
}
