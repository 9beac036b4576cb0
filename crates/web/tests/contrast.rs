//! The colours of the stylesheet meet WCAG 2.2 AA: 4.5:1 for text, 3:1 for focus rings,
//! borders of controls and the lines of the chart. The pairs are read from the CSS itself.

use std::collections::HashMap;

const BASE: &str = include_str!("../static/css/base.css");
const HOME: &str = include_str!("../static/css/home.css");

fn luminance(hex: &str) -> f64 {
    let h = hex.trim_start_matches('#');
    assert_eq!(h.len(), 6, "colour {hex}");
    let channel = |i: usize| {
        let c = f64::from(u8::from_str_radix(&h[i..i + 2], 16).unwrap()) / 255.0;
        if c <= 0.03928 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4)
}

fn ratio(a: &str, b: &str) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

/// The custom properties of `:root`.
fn variables() -> HashMap<String, String> {
    let root = BASE
        .split(":root {")
        .nth(1)
        .unwrap()
        .split('}')
        .next()
        .unwrap();
    root.lines()
        .filter_map(|l| l.trim().strip_prefix("--"))
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| {
            (
                k.trim().to_string(),
                v.trim().trim_end_matches(';').to_string(),
            )
        })
        .filter(|(_, v)| v.starts_with('#'))
        .collect()
}

/// The first hex colour of a property in a rule of a stylesheet.
fn colour_in(css: &str, selector: &str, property: &str) -> String {
    let rule = css
        .split(&format!("{selector} {{"))
        .nth(1)
        .unwrap_or_else(|| panic!("no rule {selector}"))
        .split('}')
        .next()
        .unwrap();
    let value = rule
        .split(';')
        .filter_map(|d| d.split_once(':'))
        .find(|(k, _)| k.trim() == property)
        .unwrap_or_else(|| panic!("{selector} has no {property}"))
        .1;
    let at = value
        .find('#')
        .unwrap_or_else(|| panic!("{selector} {property}: {value}"));
    value[at..at + 7].to_string()
}

#[test]
fn text_colours_meet_aa_on_their_backgrounds() {
    let v = variables();
    let c = |name: &str| v.get(name).unwrap_or_else(|| panic!("--{name}")).clone();
    let text_pairs = [
        ("ink", "paper"),
        ("ink", "card"),
        ("soft-ink", "paper"),
        ("soft-ink", "card"),
        ("accent", "paper"),
        ("accent", "card"),
        ("accent", "accent-soft"),
        ("accent-ink", "accent"),
        ("warn", "warn-soft"),
        ("error", "error-soft"),
        ("error", "paper"),
    ];
    for (fg, bg) in text_pairs {
        let r = ratio(&c(fg), &c(bg));
        assert!(r >= 4.5, "--{fg} on --{bg} is {r:.2}:1, below 4.5:1");
    }
    let quick = colour_in(BASE, ".quick-exit", "background");
    assert!(ratio("#ffffff", &quick) >= 4.5, "quick exit button text");
    let banner_bg = colour_in(BASE, ".demo-banner", "background");
    let banner_fg = colour_in(BASE, ".demo-banner", "color");
    assert!(ratio(&banner_fg, &banner_bg) >= 4.5, "demo banner");
}

#[test]
fn focus_rings_control_borders_and_chart_lines_meet_three_to_one() {
    let v = variables();
    let focus = v.get("focus").unwrap();
    for bg in ["paper", "card"] {
        assert!(ratio(focus, &v[bg]) >= 3.0, "focus ring on --{bg}");
    }
    let border = BASE
        .split("border: 1px solid #")
        .nth(1)
        .map(|s| format!("#{}", &s[..6]))
        .unwrap();
    assert!(ratio(&border, &v["card"]) >= 3.0, "input border {border}");
    for line in [".chart .line-listed", ".chart .line-made"] {
        let stroke = colour_in(HOME, line, "stroke");
        assert!(ratio(&stroke, "#ffffff") >= 3.0, "{line} {stroke}");
    }
}
