//! Moments as authors write them in test files and on the command line: RFC 3339 with an
//! offset or an IANA time zone.

use std::time::SystemTime;

/// An RFC 3339 moment, with an offset or a time zone: `2026-03-30T09:00:00Z`,
/// `2026-03-30T09:00:00+02:00`, `2026-03-30T09:00:00[Europe/Paris]`.
pub fn moment(text: &str) -> Result<SystemTime, String> {
    let timestamp = text
        .parse::<jiff::Timestamp>()
        .or_else(|_| text.parse::<jiff::Zoned>().map(|zoned| zoned.timestamp()))
        .map_err(|error| format!("`{text}` is not a moment: {error}"))?;
    Ok(SystemTime::from(timestamp))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_take_an_offset_or_a_zone_across_daylight_saving() {
        let seconds = |text: &str| {
            moment(text)
                .unwrap()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
                .as_secs()
        };
        assert_eq!(seconds("2026-11-23T10:15:00Z"), 1_795_428_900);
        assert_eq!(seconds("2026-11-23T11:15:00+01:00"), 1_795_428_900);
        // Paris is UTC+1 in winter and UTC+2 from the last Sunday of March.
        assert_eq!(seconds("2026-03-28T09:00:00[Europe/Paris]"), 1_774_684_800);
        assert_eq!(seconds("2026-03-29T09:00:00[Europe/Paris]"), 1_774_767_600);
        assert!(moment("2026-11-23").is_err());
    }
}
