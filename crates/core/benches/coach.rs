//! The script coach runs on every keystroke in the web editor: it must read a 1,000-word script
//! in well under a millisecond, and the most a script can hold (200,000 characters) well under
//! a second, whatever its shape. `cargo bench -p amends-core --bench coach`.

use amends_core::coach::{Addressee, Context, READ_MAX, coach};
use amends_core::model::{Language, Method};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

/// A script of about `words` words, mixing plain admissions with the faults the coach looks for.
fn script(words: usize, language: Language) -> String {
    let paragraphs: &[&str] = match language {
        Language::En => &[
            "Jo, I lied to you about the money I borrowed in March, and that was wrong.",
            "I am sorry if you were hurt, but I was going through a hard time back then.",
            "It was only a little money and everyone does that sometimes, I know.",
            "Mistakes were made and things got out of hand at the wedding in June.",
            "You always said I never listened, and you also shouted at me that night.",
            "Please forgive me, I need you to forgive me so we can move on.",
            "Priya knew about the money and told me not to say anything to you.",
            "I will pay back the two hundred dollars by the end of the month.",
            "Is there any other way I have harmed you that I have not named here?",
            "What can I do to set this right between us, in your own words?",
        ],
        Language::Es => &[
            "Jo, te mentí sobre el dinero que te pedí prestado en marzo, y eso estuvo mal.",
            "Lo siento si te hice daño, pero estaba pasando por un momento difícil.",
            "Solo fue un poco de dinero y todo el mundo lo hace alguna vez, lo sé.",
            "Se cometieron errores y las cosas se salieron de control en la boda.",
            "Tú siempre dijiste que yo nunca escuchaba, y tú también me gritaste.",
            "Por favor, perdóname, necesito que me perdones para poder seguir adelante.",
            "Priya sabía lo del dinero y me dijo que no te contara nada.",
            "Te devolveré los doscientos dólares antes de que termine el mes.",
            "¿Hay alguna otra forma en que te haya hecho daño y que no haya nombrado?",
            "¿Qué puedo hacer para reparar esto entre nosotros, con tus propias palabras?",
        ],
    };
    let mut out = String::new();
    let mut n = 0;
    let mut i = 0;
    while n < words {
        let p = paragraphs[i % paragraphs.len()];
        n += p.split_whitespace().count();
        out.push_str(p);
        out.push(if i % 3 == 2 { '\n' } else { ' ' });
        i += 1;
    }
    out
}

/// About `words` words of real scripts from the corpus, one after another: the variety of a
/// person's own words (few repeats, so each word is stemmed once), rather than ten sentences again.
fn corpus(words: usize, language: Language) -> String {
    let source = match language {
        Language::En => include_str!("../tests/coach_corpus/train/en_third.json"),
        Language::Es => include_str!("../tests/coach_corpus/train/es_third.json"),
    };
    let cases: Vec<serde_json::Value> = serde_json::from_str(source).expect("the corpus parses");
    let mut out = String::new();
    let mut n = 0;
    for case in cases.iter().cycle() {
        if n >= words {
            break;
        }
        let text = case["script"].as_str().expect("a script");
        n += text.split_whitespace().count();
        out.push_str(text);
        out.push('\n');
    }
    out
}

fn context() -> Context {
    Context {
        involved: vec!["Priya".into()],
        listed: (0..200).map(|i| format!("Person {i}")).collect(),
        ..Context::default()
    }
}

fn bench(c: &mut Criterion) {
    let ctx = context();
    for (name, language) in [("en", Language::En), ("es", Language::Es)] {
        let text = script(1_000, language);
        c.bench_function(&format!("coach_1000_words_{name}"), |b| {
            b.iter(|| coach(black_box(&text), language, black_box(&ctx)))
        });
    }
    for (name, language) in [("en", Language::En), ("es", Language::Es)] {
        let text = corpus(1_000, language);
        c.bench_function(&format!("coach_1000_words_of_scripts_{name}"), |b| {
            b.iter(|| coach(black_box(&text), language, black_box(&ctx)))
        });
    }
    // The most a script can hold, as paragraphs, and read as an unsent letter to someone who
    // has died (its own rules and no-reply questions).
    let full: String = script(60_000, Language::En)
        .chars()
        .take(READ_MAX)
        .collect();
    c.bench_function("coach_200000_chars_en", |b| {
        b.iter(|| coach(black_box(&full), Language::En, black_box(&ctx)))
    });
    let letter = Context {
        method: Some(Method::UnsentLetter),
        party: Addressee {
            deceased: true,
            ..Addressee::default()
        },
        ..ctx.clone()
    };
    c.bench_function("coach_200000_chars_unsent_letter_en", |b| {
        b.iter(|| coach(black_box(&full), Language::En, black_box(&letter)))
    });
    // 300,000 characters of one sentence with a "but" every few words: only the first 200,000
    // are read, in one pass (each "but" used to look back over the whole sentence: 15 s).
    let one_sentence = "and I took it but I am sorry but you ".repeat(8_200);
    c.bench_function("coach_300000_chars_one_sentence_en", |b| {
        b.iter(|| coach(black_box(&one_sentence), Language::En, black_box(&ctx)))
    });
    let short = script(120, Language::En);
    c.bench_function("coach_120_words_en", |b| {
        b.iter(|| coach(black_box(&short), Language::En, black_box(&ctx)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
