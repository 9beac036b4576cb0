//! Counts across the whole list: by stage and by willingness.

use std::collections::BTreeMap;

use crate::clock::Now;
use crate::model::{CommitmentKind, PartyRecord, Willingness};
use crate::money::{Currency, Money};
use crate::stage::{Stage, StageInfo, derive};

/// The whole list at a glance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    pub parties: usize,
    pub harms: usize,
    /// Every stage, with its count (zero included), in workflow order.
    pub by_stage: Vec<(Stage, usize)>,
    /// Now, Later, Maybe, Never, then `None` for "not yet asked"; set-aside parties are left out.
    pub by_willingness: Vec<(Option<Willingness>, usize)>,
    /// What is still to repay, per currency.
    pub outstanding: Vec<Money>,
    pub checkins_kept: usize,
    pub checkins_missed: usize,
}

/// Derives every stage and counts them.
pub fn summarise(records: &[PartyRecord], now: &Now) -> (Vec<StageInfo>, Summary) {
    let stages: Vec<StageInfo> = records.iter().map(|r| derive(r, now)).collect();
    let mut by_stage: BTreeMap<Stage, usize> = Stage::ALL.iter().map(|s| (*s, 0)).collect();
    for s in &stages {
        *by_stage.entry(s.stage).or_default() += 1;
    }
    let mut by_will: BTreeMap<Option<Willingness>, usize> = BTreeMap::new();
    for w in Willingness::ALL {
        by_will.insert(Some(*w), 0);
    }
    by_will.insert(None, 0);
    let mut outstanding: BTreeMap<Currency, i64> = BTreeMap::new();
    let (mut kept, mut missed, mut harms) = (0, 0, 0);
    for (r, s) in records.iter().zip(&stages) {
        harms += r.live_harms().count();
        if s.stage != Stage::SetAside {
            *by_will
                .entry(r.willingness_now().map(|w| w.level))
                .or_default() += 1;
        }
        for c in &r.commitments {
            match &c.kind {
                CommitmentKind::Restitution { .. } if c.is_open() => {
                    if let Some(b) = c.balance() {
                        let total = outstanding.entry(b.currency).or_default();
                        *total = total.saturating_add(b.minor);
                    }
                }
                CommitmentKind::Living { checkins, .. } => {
                    kept += checkins.iter().filter(|k| k.kept).count();
                    missed += checkins.iter().filter(|k| !k.kept).count();
                }
                _ => {}
            }
        }
    }
    let mut by_willingness: Vec<(Option<Willingness>, usize)> = Willingness::ALL
        .iter()
        .map(|w| (Some(*w), by_will[&Some(*w)]))
        .collect();
    by_willingness.push((None, by_will[&None]));
    let summary = Summary {
        parties: records.len(),
        harms,
        by_stage: Stage::ALL.iter().map(|s| (*s, by_stage[s])).collect(),
        by_willingness,
        outstanding: outstanding
            .into_iter()
            .map(|(c, m)| Money::new(m, c))
            .collect(),
        checkins_kept: kept,
        checkins_missed: missed,
    };
    (stages, summary)
}
