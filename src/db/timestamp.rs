//! Reading timestamps quickly. On SQLite diesel stores a timestamp as text
//! (`2026-12-02 14:05:00.123456`) and reads it back by trying chrono's
//! format parser with up to 18 formats; that was 8% of the instructions of
//! an uncached article page, whose cards carry four timestamps each. The
//! models' timestamp fields are read through [`Ts`] and [`OptTs`] instead
//! (`#[diesel(deserialize_as = Ts)]`): the form diesel writes is parsed by
//! hand, and anything else falls back to diesel's own parser, so every value
//! diesel reads is still read. PostgreSQL's binary timestamps go straight to
//! diesel.
//!
//! Binding a time is the same story the other way: diesel formats it with
//! chrono's `%F %T%.f`, parsing that pattern on every bind (2.5% of an
//! uncached article page, whose statements bind the present moment a dozen
//! times). A [`Ts`] bound as a timestamp (`articles::published_at.le(Ts(now))`)
//! is written by hand on SQLite, in exactly the form chrono writes, and by
//! diesel elsewhere.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::Pg;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{Nullable, Timestamp};
use diesel::sqlite::Sqlite;

use super::{MultiBackend, MultiRawValue};

/// A timestamp column's value, for `#[diesel(deserialize_as = Ts)]`, and a
/// time to bind as one.
#[derive(Debug, Clone, Copy, FromSqlRow, AsExpression)]
#[diesel(sql_type = Timestamp)]
pub struct Ts(pub NaiveDateTime);

/// A nullable timestamp column's value, for `#[diesel(deserialize_as = OptTs)]`.
#[derive(Debug, Clone, Copy, FromSqlRow)]
pub struct OptTs(pub Option<NaiveDateTime>);

impl From<Ts> for NaiveDateTime {
    fn from(ts: Ts) -> NaiveDateTime {
        ts.0
    }
}

impl From<OptTs> for Option<NaiveDateTime> {
    fn from(ts: OptTs) -> Option<NaiveDateTime> {
        ts.0
    }
}

impl FromSql<Timestamp, Sqlite> for Ts {
    fn from_sql(mut value: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        if let Some(parsed) = parse_stored(value.read_text()) {
            return Ok(Ts(parsed));
        }
        <NaiveDateTime as FromSql<Timestamp, Sqlite>>::from_sql(value).map(Ts)
    }
}

impl FromSql<Timestamp, Pg> for Ts {
    fn from_sql(value: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(value).map(Ts)
    }
}

/// Through the connection wrapper (`super::DbConn`), to the one above for
/// the backend the value comes from.
impl FromSql<Timestamp, MultiBackend> for Ts {
    fn from_sql(value: MultiRawValue<'_>) -> deserialize::Result<Self> {
        value.from_sql::<Ts, Timestamp>()
    }
}

impl ToSql<Timestamp, Sqlite> for Ts {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        match write_stored(self.0) {
            Some(text) => out.set_value(text),
            None => out.set_value(self.0.format("%F %T%.f").to_string()),
        }
        Ok(serialize::IsNull::No)
    }
}

impl ToSql<Timestamp, Pg> for Ts {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <NaiveDateTime as ToSql<Timestamp, Pg>>::to_sql(&self.0, out)
    }
}

impl ToSql<Timestamp, MultiBackend> for Ts {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        <NaiveDateTime as ToSql<Timestamp, MultiBackend>>::to_sql(&self.0, out)
    }
}

impl<DB> FromSql<Nullable<Timestamp>, DB> for OptTs
where
    DB: Backend,
    Ts: FromSql<Timestamp, DB>,
{
    fn from_sql(value: DB::RawValue<'_>) -> deserialize::Result<Self> {
        Ts::from_sql(value).map(|ts| OptTs(Some(ts.0)))
    }

    fn from_nullable_sql(value: Option<DB::RawValue<'_>>) -> deserialize::Result<Self> {
        match value {
            Some(value) => Self::from_sql(value),
            None => Ok(OptTs(None)),
        }
    }
}

/// The form diesel writes on SQLite, `%Y-%m-%d %H:%M:%S` with an optional
/// fraction of one to nine digits; `None` for anything else.
fn parse_stored(text: &str) -> Option<NaiveDateTime> {
    let b = text.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b' '
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let number = |digits: &[u8]| {
        digits.iter().try_fold(0u32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let nanos = match &b[19..] {
        [] => 0,
        [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
            number(fraction)? * 10u32.pow(9 - fraction.len() as u32)
        }
        _ => return None,
    };
    let year = i32::try_from(number(&b[0..4])?).ok()?;
    NaiveDate::from_ymd_opt(year, number(&b[5..7])?, number(&b[8..10])?)?.and_hms_nano_opt(
        number(&b[11..13])?,
        number(&b[14..16])?,
        number(&b[17..19])?,
        nanos,
    )
}

/// What chrono's `%F %T%.f` writes (the fraction in 3, 6 or 9 digits, as
/// few as hold it, none for a whole second), for years 0 to 9999 and no
/// leap second; `None` for the rest, which chrono writes.
fn write_stored(time: NaiveDateTime) -> Option<String> {
    let year = u32::try_from(time.year()).ok().filter(|y| *y <= 9999)?;
    let nanos = time.nanosecond();
    if nanos >= 1_000_000_000 {
        return None;
    }
    let (fraction, width) = match nanos {
        0 => (0, 0),
        n if n % 1_000_000 == 0 => (n / 1_000_000, 3),
        n if n % 1_000 == 0 => (n / 1_000, 6),
        n => (n, 9),
    };
    let mut out = String::with_capacity(29);
    for (separator, n, width) in [
        ("", year, 4),
        ("-", time.month(), 2),
        ("-", time.day(), 2),
        (" ", time.hour(), 2),
        (":", time.minute(), 2),
        (":", time.second(), 2),
        (".", fraction, width),
    ] {
        if width > 0 {
            out.push_str(separator);
            for d in (0..width).rev() {
                out.push(char::from(b'0' + (n / 10u32.pow(d) % 10) as u8));
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::{parse_stored, write_stored};
    use chrono::{NaiveDate, NaiveDateTime};

    /// What diesel writes on SQLite (`%F %T%.f`) is read back the same.
    #[test]
    fn reads_what_diesel_writes() {
        for written in [
            "2026-12-02 14:05:00",
            "2026-12-02 14:05:00.5",
            "2026-12-02 14:05:00.123",
            "1999-02-28 23:59:59.123456",
            "2024-02-29 00:00:00.000000001",
        ] {
            let expected =
                NaiveDateTime::parse_from_str(written, "%F %T%.f").expect("a valid time");
            assert_eq!(parse_stored(written), Some(expected), "{written}");
        }
        let now = chrono::Utc::now().naive_utc();
        assert_eq!(parse_stored(&now.format("%F %T%.f").to_string()), Some(now));
    }

    /// Other forms are left to diesel's parser, and nonsense is no time.
    #[test]
    fn leaves_other_forms_alone() {
        for other in [
            "2026-12-02T14:05:00",
            "2026-12-02 14:05",
            "2026-12-02 14:05:00+01:00",
            "2026-12-02 14:05:00.",
            "2026-12-02 14:05:00.1234567890",
            "2026-02-30 14:05:00",
            "2026-12-02 24:00:00",
            "2026-1a-02 14:05:00",
            "+026-12-02 14:05:00",
            "2459000.5",
            "",
        ] {
            assert_eq!(parse_stored(other), None, "{other}");
        }
    }

    /// A time is bound on SQLite exactly as diesel's chrono format writes it,
    /// so that comparing it with stored times (as text) gives the same
    /// answers: whole seconds, each width of fraction, small and large
    /// years; years chrono writes otherwise are left to chrono.
    #[test]
    fn writes_what_diesel_writes() {
        let mut checked = 0;
        for year in [0, 7, 99, 999, 1970, 2026, 9999] {
            for nanos in [
                0,
                1,
                5_000_000,
                120_000_000,
                123_456_000,
                999_999_999,
                100,
                30_000,
                999_000_000,
            ] {
                let time = NaiveDate::from_ymd_opt(year, 2, 9)
                    .and_then(|d| d.and_hms_nano_opt(3, 4, 5, nanos))
                    .expect("a valid time");
                assert_eq!(
                    write_stored(time).as_deref(),
                    Some(time.format("%F %T%.f").to_string().as_str()),
                    "{time:?}"
                );
                checked += 1;
            }
        }
        assert_eq!(checked, 63);
        let now = chrono::Utc::now().naive_utc();
        assert_eq!(write_stored(now), Some(now.format("%F %T%.f").to_string()));
        let end = NaiveDate::from_ymd_opt(2026, 12, 31)
            .and_then(|d| d.and_hms_opt(23, 59, 59))
            .expect("a valid time");
        assert_eq!(write_stored(end).as_deref(), Some("2026-12-31 23:59:59"));
        for outside in [-1, 10_000] {
            let time = NaiveDate::from_ymd_opt(outside, 1, 1)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .expect("a valid time");
            assert_eq!(write_stored(time), None, "{time:?}");
        }
        let leap = NaiveDate::from_ymd_opt(2016, 12, 31)
            .and_then(|d| d.and_hms_nano_opt(23, 59, 59, 1_500_000_000))
            .expect("a leap second");
        assert_eq!(write_stored(leap), None);
    }
}
