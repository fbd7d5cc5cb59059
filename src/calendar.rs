//! Local time as rules see it: the contact center's time zone and its holidays, and the
//! `now.*` fields read in them. Zones come from the IANA database built into the binary
//! (jiff's bundled copy), so a rule gives the same answer on Lambda, whose provided.al2023
//! image has no /usr/share/zoneinfo, as on the author's machine.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::Timestamp;

use crate::diagnostics::closest;

/// The zone rules read local time in and the dates that are holidays there.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    pub zone: Zone,
    pub holidays: Arc<BTreeSet<Date>>,
}

impl Default for Calendar {
    fn default() -> Self {
        Calendar {
            zone: Zone::utc(),
            holidays: Arc::default(),
        }
    }
}

/// An IANA time zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    zone: TimeZone,
}

impl Zone {
    pub fn utc() -> Zone {
        Zone {
            zone: TimeZone::UTC,
        }
    }

    /// The zone `name` names, or why not, with the name most like it.
    pub fn named(name: &str) -> Result<Zone, String> {
        match TimeZone::get(name) {
            Ok(zone) => Ok(Zone { zone }),
            Err(_) => {
                let names: Vec<String> = jiff::tz::db()
                    .available()
                    .map(|name| name.as_str().to_owned())
                    .collect();
                Err(match closest(name, &names) {
                    Some(close) => format!("unknown time zone `{name}`; did you mean `{close}`?"),
                    None => format!(
                        "unknown time zone `{name}`; give an IANA name such as Europe/Paris or America/New_York"
                    ),
                })
            }
        }
    }
}

/// A part of the local time, as a `now.*` field reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// `HH:MM`, 24-hour.
    Time,
    /// `YYYY-MM-DD`.
    Date,
    /// `mon` to `sun`.
    Weekday,
    /// `true` on a date of the holiday list, else `false`.
    Holiday,
    /// The whole local time with its offset: `2026-03-30T09:00:00+02:00`.
    Local,
}

pub const PARTS: [(&str, Part); 5] = [
    ("now.time", Part::Time),
    ("now.date", Part::Date),
    ("now.weekday", Part::Weekday),
    ("now.holiday", Part::Holiday),
    ("now.local", Part::Local),
];

pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = PARTS
            .iter()
            .find(|(_, part)| part == self)
            .map_or("now", |(name, _)| name);
        f.write_str(name)
    }
}

impl Calendar {
    /// `part` of the local time at `now`, in `zone` when a condition names one, else in
    /// the calendar's.
    pub fn read(&self, part: Part, now: SystemTime, zone: Option<&Zone>) -> String {
        let zone = zone.unwrap_or(&self.zone);
        let timestamp = Timestamp::try_from(now).unwrap_or(Timestamp::UNIX_EPOCH);
        let local = timestamp.to_zoned(zone.zone.clone());
        match part {
            Part::Time => local.strftime("%H:%M").to_string(),
            Part::Date => local.date().to_string(),
            Part::Weekday => {
                let index = local.weekday().to_monday_zero_offset() as usize;
                WEEKDAYS[index].to_owned()
            }
            Part::Holiday => self.holidays.contains(&local.date()).to_string(),
            Part::Local => local.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        }
    }
}

/// A date as rules write it: `2026-12-25`.
pub fn date(text: &str) -> Result<Date, String> {
    text.parse::<Date>()
        .map_err(|_| format!("`{text}` is not a date; write it as 2026-12-25"))
}

/// A time of day as rules write it, `08:30`, as `now.time` reads: two digits each.
pub fn time_of_day(text: &str) -> Result<String, String> {
    let time = text
        .parse::<Time>()
        .map_err(|_| format!("`{text}` is not a time of day; write it as 08:30 (24-hour)"))?;
    Ok(time.strftime("%H:%M").to_string())
}

/// A weekday as rules write it, `mon` to `sun` or in full (`monday`), any case; read as
/// `now.weekday` reads it.
pub fn weekday(text: &str) -> Result<String, String> {
    let lower = text.to_ascii_lowercase();
    let full = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    if let Some(index) = full.iter().position(|day| *day == lower) {
        Ok(WEEKDAYS[index].to_owned())
    } else if WEEKDAYS.contains(&lower.as_str()) {
        Ok(lower)
    } else {
        Err(format!(
            "`{text}` is not a weekday; the weekdays are {}",
            WEEKDAYS.join(", ")
        ))
    }
}

/// An age as rules write it: a whole number and a unit, `90s`, `30m`, `48h` or `2d`.
pub fn duration_seconds(text: &str) -> Result<i64, String> {
    let bad = || format!("`{text}` is not an age; write a whole number and s, m, h or d: 48h");
    let text = text.trim();
    let unit = text.chars().last().ok_or_else(bad)?;
    let scale = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        _ => return Err(bad()),
    };
    let number: i64 = text[..text.len() - 1].parse().map_err(|_| bad())?;
    number
        .checked_mul(scale)
        .filter(|seconds| *seconds >= 0)
        .ok_or_else(bad)
}

/// Seconds from an epoch timestamp to `now`: DATE references and attributes hold epoch
/// seconds or, with 13 digits or more, milliseconds. `None` for anything else.
pub fn age_seconds(value: &str, now: SystemTime) -> Option<i64> {
    let number: i64 = value.trim().parse().ok()?;
    let seconds = if number.abs() >= 100_000_000_000 {
        number / 1_000
    } else {
        number
    };
    let now = Timestamp::try_from(now).ok()?.as_second();
    Some(now - seconds)
}
