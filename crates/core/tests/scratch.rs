use crate::common::*;
use amends_core::coach::{go_between, reaches};

#[test]
fn probe() {
    for (t, name) in [
        ("Visit Sam at her flat", "Sam"),
        ("Text Lee next month", "Lee"),
        ("handed cash to Sam at her door", "Sam"),
        ("I will ask her sister Kate to tell Sam I am sorry", "Sam"),
        ("Dear Sam, I am sorry", "Sam"),
        ("Le pediré a su hermana que le diga que lo siento", "Sam"),
        ("\"Visit Pat at her flat\"", "Pat"),
        ("Visit Sam next week", "Pat"),
        ("Visit Sam next week", "Sam"),
        ("I came to say I was wrong to take the car.", "Pat"),
        ("Kept it up this week", "Pat"),
        ("Donated to the shelter in town", "Pat"),
        ("I asked her sister to tell her I am sorry", "Pat"),
        ("Le pedí a su hermano que le diga que lo siento", "Pat"),
        ("I will visit her at her flat", "Pat"),
        ("Handed the money to Pat at the door", "Pat"),
        ("Fui a su casa a pedirle perdón", "Pat"),
        ("Talked it over with Sam, my sponsor", "Pat"),
        ("Call every Sunday and turn up when I say I will", "Pat"),
        ("Show up on time", "Pat"),
        ("Return the tools", "Pat"),
        (
            "I am sorry for what I did. What can I do to set it right?",
            "Pat",
        ),
        ("I am sorry for what happened with Sam.", "Pat"),
        ("Paid into the court account", "Pat"),
    ] {
        println!(
            "{t:?} / {name}: gb={:?} reach={:?}",
            go_between(t),
            reaches(t, name)
        );
    }
    let _ = person();
}
