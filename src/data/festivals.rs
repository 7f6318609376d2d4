//! The shopping festivals of the Chinese e-commerce calendar, the ones Liftcast's users plan
//! around: 618 with its run-up, Double 11 with its pre-sale and the day after, and Double 12.
//! Each is a window of days that recurs every year on the same dates.
//!
//! Why the model is told them: a festival multiplies a day's demand (Double 11 several times
//! over) on a handful of dates a year. A smooth yearly cycle cannot follow such spikes; fitted
//! anyway, it rings, and the months around them (May, July, October) come out several percent
//! off, March's baseline with them. Given the windows, the model learns each festival's level
//! on its own and the cycle stays smooth. Other events (a store's own anniversary, a lunar
//! holiday) go in as a covariate column.

/// A festival window: the same month and days every year.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Festival {
    pub name: &'static str,
    pub month: u32,
    pub first_day: u32,
    pub last_day: u32,
}

/// The windows, in calendar order. Each is one model input, so the order is part of a saved
/// model's meaning: add new windows at the end, behind a new encoder flag.
pub const SHOPPING_FESTIVALS: [Festival; 6] = [
    Festival {
        name: "618 run-up",
        month: 6,
        first_day: 1,
        last_day: 17,
    },
    Festival {
        name: "618",
        month: 6,
        first_day: 18,
        last_day: 18,
    },
    Festival {
        name: "Double 11 pre-sale",
        month: 11,
        first_day: 1,
        last_day: 10,
    },
    Festival {
        name: "Double 11",
        month: 11,
        first_day: 11,
        last_day: 11,
    },
    Festival {
        name: "Double 11 return sale",
        month: 11,
        first_day: 12,
        last_day: 12,
    },
    Festival {
        name: "Double 12",
        month: 12,
        first_day: 12,
        last_day: 12,
    },
];

impl Festival {
    /// Whether `date` falls in the window.
    pub fn contains(&self, date: chrono::NaiveDate) -> bool {
        use chrono::Datelike;
        date.month() == self.month && (self.first_day..=self.last_day).contains(&date.day())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, m, d).unwrap()
    }

    /// The festival `date` falls in, if any.
    fn festival_on(date: NaiveDate) -> Option<&'static str> {
        SHOPPING_FESTIVALS
            .iter()
            .find(|f| f.contains(date))
            .map(|f| f.name)
    }

    #[test]
    fn windows_recur_on_their_dates_and_do_not_overlap() {
        assert_eq!(festival_on(day(11, 11)), Some("Double 11"));
        assert_eq!(festival_on(day(11, 3)), Some("Double 11 pre-sale"));
        assert_eq!(festival_on(day(6, 17)), Some("618 run-up"));
        assert_eq!(festival_on(day(3, 2)), None);
        assert_eq!(festival_on(day(12, 13)), None);
        let mut date = day(1, 1);
        while date < day(12, 31) {
            let windows = SHOPPING_FESTIVALS
                .iter()
                .filter(|f| f.contains(date))
                .count();
            assert!(windows <= 1, "{date} is in {windows} windows");
            date = date.succ_opt().unwrap();
        }
    }
}
