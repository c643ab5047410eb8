//! Time: instants are stored in UTC (microseconds since the Unix epoch) and shown in
//! Asia/Ho_Chi_Minh; legal dates (deadlines, dates of documents) are local civil dates.

use jiff::{Timestamp, ZonedDateTime, civil::Date, tz::TimeZone};

/// The time zone every date and time is shown in.
pub fn vn_tz() -> TimeZone {
    // Vietnam has kept UTC+7 since 1975; fall back to the fixed offset if the
    // system has no tz database (minimal containers).
    TimeZone::get("Asia/Ho_Chi_Minh").unwrap_or_else(|_| TimeZone::fixed(jiff::tz::offset(7)))
}

/// Microseconds since the Unix epoch, the stored form of an instant.
pub fn to_micros(t: Timestamp) -> i64 {
    t.as_microsecond()
}

/// The instant of stored microseconds; out-of-range values clamp to the epoch.
pub fn from_micros(us: i64) -> Timestamp {
    Timestamp::from_microsecond(us).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The instant shown in Vietnam time.
pub fn local(t: Timestamp) -> ZonedDateTime {
    t.to_zoned_datetime(vn_tz())
}

/// "dd/mm/yyyy HH:MM" in Vietnam time, the form officials read.
pub fn format_local(t: Timestamp) -> String {
    local(t).strftime("%d/%m/%Y %H:%M").to_string()
}

/// "dd/mm/yyyy".
pub fn format_date(d: Date) -> String {
    d.strftime("%d/%m/%Y").to_string()
}

/// Parses a date written as "dd/mm/yyyy" (official form) or "yyyy-mm-dd" (ISO).
pub fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    if let Ok(d) = s.parse::<Date>() {
        return Some(d);
    }
    let mut parts = s.split('/');
    let d: i8 = parts.next()?.trim().parse().ok()?;
    let m: i8 = parts.next()?.trim().parse().ok()?;
    let y: i16 = parts.next()?.trim().parse().ok()?;
    if parts.next().is_some() {
        return None;
    }
    Date::new(y, m, d).ok()
}

/// The local civil date of an instant in Vietnam.
pub fn local_date(t: Timestamp) -> Date {
    local(t).date()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_vietnam_time() {
        let t: Timestamp = "2023-09-19T17:30:00Z".parse().unwrap();
        assert_eq!(format_local(t), "20/09/2023 00:30");
        assert_eq!(local_date(t), jiff::civil::date(2023, 9, 20));
    }

    #[test]
    fn parses_both_date_forms() {
        assert_eq!(
            parse_date("20/9/2023"),
            Some(jiff::civil::date(2023, 9, 20))
        );
        assert_eq!(
            parse_date("2023-09-20"),
            Some(jiff::civil::date(2023, 9, 20))
        );
        assert_eq!(parse_date("31/2/2023"), None);
        assert_eq!(parse_date("20/9"), None);
    }

    #[test]
    fn micros_round_trip() {
        let t: Timestamp = "2025-07-01T00:00:00.123456Z".parse().unwrap();
        assert_eq!(from_micros(to_micros(t)), t);
    }
}
