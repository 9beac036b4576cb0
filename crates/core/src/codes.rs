//! Enumerations with stable text codes. The codes are what the CLI accepts and what the
//! vault and the export store; the labels are what a person reads.

/// Declares an enum whose variants each have a stable code and a plain-words label.
macro_rules! coded_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $field:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal $(| $alias:literal)*, $label:literal; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in the order the practice presents them.
            pub const ALL: &'static [$name] = &[ $( $name::$variant, )+ ];

            /// The stable code used on the command line, in storage and in exports.
            pub fn code(self) -> &'static str {
                match self { $( $name::$variant => $code, )+ }
            }

            /// Plain words for a person.
            pub fn label(self) -> &'static str {
                match self { $( $name::$variant => $label, )+ }
            }

            /// Parses a code or one of its accepted spellings (case-insensitive; `_` and
            /// spaces are read as `-`).
            pub fn parse(text: &str) -> Result<$name, $crate::error::Invalid> {
                let wanted = text.trim().to_ascii_lowercase().replace(['_', ' '], "-");
                $( if wanted == $code $(|| wanted == $alias)* { return Ok($name::$variant); } )+
                // What was typed is not repeated: it could be anything.
                Err($crate::error::Invalid::new(
                    $field,
                    format!(
                        "must be one of: {}",
                        $name::ALL.iter().map(|v| v.code()).collect::<Vec<_>>().join(", ")
                    ),
                ))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::error::Invalid;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::parse(s)
            }
        }
    };
}

pub(crate) use coded_enum;

#[cfg(test)]
mod tests {
    use crate::model::{HarmKind, Method, Outcome, PartyKind, Willingness};

    #[test]
    fn every_code_parses_back_to_itself() {
        for k in PartyKind::ALL {
            assert_eq!(PartyKind::parse(k.code()).unwrap(), *k);
        }
        for k in HarmKind::ALL {
            assert_eq!(HarmKind::parse(k.code()).unwrap(), *k);
        }
        for m in Method::ALL {
            assert_eq!(Method::parse(m.code()).unwrap(), *m);
        }
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.code()).unwrap(), *o);
        }
        assert_eq!(Willingness::parse(" NOW ").unwrap(), Willingness::Now);
        assert_eq!(Method::parse("face_to_face").unwrap(), Method::FaceToFace);
    }

    #[test]
    fn common_spellings_are_accepted() {
        use crate::model::Adviser;
        assert_eq!(
            PartyKind::parse("Organization").unwrap(),
            PartyKind::Organisation
        );
        assert_eq!(PartyKind::parse("myself").unwrap(), PartyKind::Myself);
        assert_eq!(Method::parse("in person").unwrap(), Method::FaceToFace);
        assert_eq!(
            Outcome::parse("could_not_reach").unwrap(),
            Outcome::Unreachable
        );
        assert_eq!(
            Adviser::parse("spiritual advisor").unwrap(),
            Adviser::SpiritualAdviser
        );
        // The stored code is always the canonical one.
        assert_eq!(PartyKind::parse("org").unwrap().code(), "organisation");
    }

    #[test]
    fn unknown_codes_list_the_choices() {
        let err = Willingness::parse("soon").unwrap_err();
        assert_eq!(err.field, "willingness");
        assert!(err.message.contains("now, later, maybe, never"));
        assert!(!err.message.contains("soon"));
    }
}
