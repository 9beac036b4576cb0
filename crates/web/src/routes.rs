//! The only way to add a route: a builder that puts each route into the axum router AND into a
//! table of paths and methods, because axum's `Router` cannot list what it holds. The security
//! tests read the table (`amends_web::route_table`), so a new route is checked for the cookie,
//! the Host check, the CSRF token and the headers the moment it exists. A test makes sure no
//! other file of this crate calls axum's `.route(` itself.

use axum::Router;
use axum::handler::Handler;
use axum::routing::{get, post};

use crate::state::App;

/// One route of the app, as the router answers it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct RouteInfo {
    /// The path pattern, as axum reads it (`/parties/{id}`).
    pub path: &'static str,
    /// The methods it answers, in capitals. `GET` routes answer `HEAD` too (axum does that for
    /// every `get`), so `HEAD` is listed with them.
    pub methods: Vec<&'static str>,
    /// Whether the session cookie is needed: for every route but the calendar subscription
    /// (read by calendar apps, which cannot log in; its address carries its own secret token).
    pub session: bool,
}

/// A router that remembers its routes.
pub struct Routes {
    router: Router<App>,
    table: Vec<RouteInfo>,
    session: bool,
}

impl Routes {
    /// Routes behind the session cookie: every page.
    pub fn new() -> Routes {
        Routes {
            router: Router::new(),
            table: Vec::new(),
            session: true,
        }
    }

    /// Routes answered without the session cookie (each with its own documented rule).
    pub fn outside_session() -> Routes {
        Routes {
            session: false,
            ..Routes::new()
        }
    }

    fn note(&mut self, path: &'static str, methods: &[&'static str]) {
        assert!(
            !self.table.iter().any(|r| r.path == path),
            "route {path} is registered twice; use get_post for a path with two methods"
        );
        self.table.push(RouteInfo {
            path,
            methods: methods.to_vec(),
            session: self.session,
        });
    }

    /// A page read with GET (and HEAD).
    pub fn get<H, T>(mut self, path: &'static str, handler: H) -> Routes
    where
        H: Handler<T, App>,
        T: 'static,
    {
        self.note(path, &["GET", "HEAD"]);
        self.router = self.router.route(path, get(handler));
        self
    }

    /// A change, sent with POST only.
    pub fn post<H, T>(mut self, path: &'static str, handler: H) -> Routes
    where
        H: Handler<T, App>,
        T: 'static,
    {
        self.note(path, &["POST"]);
        self.router = self.router.route(path, post(handler));
        self
    }

    /// A path with a page (GET, HEAD) and a change (POST).
    pub fn get_post<G, TG, P, TP>(mut self, path: &'static str, page: G, change: P) -> Routes
    where
        G: Handler<TG, App>,
        TG: 'static,
        P: Handler<TP, App>,
        TP: 'static,
    {
        self.note(path, &["GET", "HEAD", "POST"]);
        self.router = self.router.route(path, get(page).post(change));
        self
    }

    /// Adds every route of `other`, with its table.
    pub fn merge(mut self, other: Routes) -> Routes {
        for r in &other.table {
            assert!(
                !self.table.iter().any(|mine| mine.path == r.path),
                "route {} is registered twice",
                r.path
            );
        }
        self.table.extend(other.table);
        self.router = self.router.merge(other.router);
        self
    }

    /// The axum router and the table of what it holds.
    pub fn into_parts(self) -> (Router<App>, Vec<RouteInfo>) {
        (self.router, self.table)
    }
}

impl Default for Routes {
    fn default() -> Routes {
        Routes::new()
    }
}
