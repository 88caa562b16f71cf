//! Who rates an article: a signed-in account, or an anonymous reader known by a
//! long-lived random cookie (an HTTP matter; the application sees a [`Voter`]).

use crate::auth::{AuthUser, random_token, token_hash};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use motcua_app::news::Voter;

/// A long-lived random id for anonymous readers, so each rates an article once.
/// Only its SHA-256 is stored.
pub(crate) const VISITOR_COOKIE: &str = "motcua_visitor";

/// The voter already known from the account or the visitor cookie; None for a reader
/// who cannot have rated yet.
pub(crate) fn known_voter(user: Option<&AuthUser>, jar: &CookieJar) -> Option<Voter> {
    if let Some(user) = user {
        return Some(Voter::Account(user.id));
    }
    jar.get(VISITOR_COOKIE)
        .filter(|c| c.value().len() == 43)
        .map(|c| Voter::Visitor {
            token_hash: token_hash(c.value()),
        })
}

/// The voter, with a new visitor cookie when there is none yet (the caller adds it to
/// the response once the rating is recorded).
pub(crate) fn voter(
    user: Option<&AuthUser>,
    jar: &CookieJar,
    secure: bool,
) -> (Voter, Option<Cookie<'static>>) {
    if let Some(voter) = known_voter(user, jar) {
        return (voter, None);
    }
    let token = random_token();
    let voter = Voter::Visitor {
        token_hash: token_hash(&token),
    };
    let cookie = Cookie::build((VISITOR_COOKIE, token))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(cookie::time::Duration::days(400))
        .build();
    (voter, Some(cookie))
}
