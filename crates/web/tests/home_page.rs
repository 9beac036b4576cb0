//! The home page through real HTTP: what is due stays calm when a lot is due.

use crate::common;

use amends_core::Now;
use amends_core::model::{PartyKind, Willingness};
use amends_vault::PartyRef;
use common::Server;

#[tokio::test]
async fn a_long_due_list_shows_ten_and_folds_the_rest_away() {
    let mut s = Server::ready(|v, now| {
        // Fifteen people said "maybe" two months ago: each is due to be asked again.
        let then = Now::new(
            now.at - jiff::SignedDuration::from_hours(24 * 60),
            now.tz.clone(),
        );
        for i in 0..15 {
            let p = v.add_party(&format!("Person {i:02}"), PartyKind::Person, "", "", &then)?;
            v.set_willingness(&PartyRef::Id(p.id), Willingness::Maybe, "", &then)?;
        }
        Ok(())
    })
    .await;
    let home = s.get("/").await;
    home.expect(200);
    let body = &home.body;
    let (shown, folded) = body
        .split_once("class=\"due-more\"")
        .expect("the rest are folded away");
    assert_eq!(
        shown.matches("class=\"due-item overdue\"").count(),
        10,
        "ten shown"
    );
    assert!(
        folded.contains("5 more due: show them"),
        "the summary says how many"
    );
    assert_eq!(
        folded
            .split("</details>")
            .next()
            .unwrap()
            .matches("class=\"due-item overdue\"")
            .count(),
        5,
        "and all of them are still there"
    );
    for i in 0..15 {
        assert!(
            body.contains(&format!("Person {i:02}")),
            "Person {i:02} is listed"
        );
    }
}
