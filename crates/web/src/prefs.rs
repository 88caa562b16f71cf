//! Display preferences (font size A-, A, A+ and high contrast), kept in cookies so
//! they work without JavaScript and apply to every page.

use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};

pub const FONT_COOKIE: &str = "motcua_font";
pub const CONTRAST_COOKIE: &str = "motcua_contrast";
pub const FONT_MIN: i8 = -1;
pub const FONT_MAX: i8 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Preferences {
    /// Steps from the normal size: -1 smaller, up to +3 larger.
    pub font_step: i8,
    pub high_contrast: bool,
}

impl Preferences {
    pub fn from_cookies(jar: &CookieJar) -> Preferences {
        let font_step = jar
            .get(FONT_COOKIE)
            .and_then(|c| c.value().parse::<i8>().ok())
            .map_or(0, |s| s.clamp(FONT_MIN, FONT_MAX));
        let high_contrast = jar
            .get(CONTRAST_COOKIE)
            .is_some_and(|c| c.value() == "high");
        Preferences {
            font_step,
            high_contrast,
        }
    }

    /// The classes put on `<html>`.
    pub fn html_class(&self) -> String {
        let font = match self.font_step {
            -1 => "font-small",
            1 => "font-large",
            2 => "font-larger",
            3 => "font-largest",
            _ => "font-normal",
        };
        if self.high_contrast {
            format!("{font} contrast-high")
        } else {
            font.to_owned()
        }
    }

    /// Applies a button press from the preferences form.
    pub fn apply(mut self, font: Option<&str>, contrast: Option<&str>) -> Preferences {
        match font {
            Some("smaller") => self.font_step = (self.font_step - 1).max(FONT_MIN),
            Some("larger") => self.font_step = (self.font_step + 1).min(FONT_MAX),
            Some("normal") => self.font_step = 0,
            _ => {}
        }
        match contrast {
            Some("toggle") => self.high_contrast = !self.high_contrast,
            Some("on") => self.high_contrast = true,
            Some("off") => self.high_contrast = false,
            _ => {}
        }
        self
    }

    pub fn cookies(&self, secure: bool) -> [Cookie<'static>; 2] {
        let build = |name: &'static str, value: String| {
            Cookie::build((name, value))
                .path("/")
                .http_only(true)
                .secure(secure)
                .same_site(SameSite::Lax)
                .max_age(time_year())
                .build()
        };
        [
            build(FONT_COOKIE, self.font_step.to_string()),
            build(
                CONTRAST_COOKIE,
                if self.high_contrast { "high" } else { "normal" }.to_owned(),
            ),
        ]
    }
}

fn time_year() -> cookie::time::Duration {
    cookie::time::Duration::days(365)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buttons_step_within_bounds() {
        let mut p = Preferences::default();
        for _ in 0..10 {
            p = p.apply(Some("larger"), None);
        }
        assert_eq!(p.font_step, FONT_MAX);
        assert_eq!(p.apply(Some("normal"), None).font_step, 0);
        for _ in 0..10 {
            p = p.apply(Some("smaller"), None);
        }
        assert_eq!(p.font_step, FONT_MIN);
        assert_eq!(p.html_class(), "font-small");
        let p = p.apply(None, Some("toggle"));
        assert_eq!(p.html_class(), "font-small contrast-high");
        assert!(!p.apply(None, Some("toggle")).high_contrast);
    }
}
