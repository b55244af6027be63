//! The `?page=N` of a listing.

/// A listing page number: a whole number from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageNumber(u32);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    #[error("The page number must be a whole number from 1 upwards.")]
    Invalid,
}

impl PageNumber {
    pub const FIRST: PageNumber = PageNumber(1);

    /// `None` (no `page` in the query) is the first page.
    pub fn parse(raw: Option<&str>) -> Result<PageNumber, PageError> {
        match raw {
            None => Ok(PageNumber::FIRST),
            Some(s) => match s.trim().parse::<u32>() {
                Ok(n) if n >= 1 => Ok(PageNumber(n)),
                _ => Err(PageError::Invalid),
            },
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }

    pub fn offset(self, per_page: i64) -> i64 {
        (i64::from(self.0) - 1) * per_page
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_whole_numbers_from_one() {
        assert_eq!(PageNumber::parse(None), Ok(PageNumber(1)));
        assert_eq!(PageNumber::parse(Some("3")).map(PageNumber::get), Ok(3));
        for bad in ["0", "-1", "abc", "1.5", "", "99999999999999999999"] {
            assert_eq!(
                PageNumber::parse(Some(bad)),
                Err(PageError::Invalid),
                "{bad}"
            );
        }
    }

    #[test]
    fn offset_is_zero_on_the_first_page() {
        assert_eq!(PageNumber(1).offset(12), 0);
        assert_eq!(PageNumber(3).offset(12), 24);
    }
}
