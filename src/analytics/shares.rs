//! Shares of a total as percentages with two decimals that add up to exactly
//! 100.00 (largest-remainder rounding), and the cumulative shares that go with
//! them. Used by every composition table and by the pareto cut's columns.

/// Each amount's share of their sum in hundredths of a percent (2345 = 23.45 %),
/// rounded so the shares add up to exactly 10000. `None` when the sum is not
/// positive (a share of nothing, or of a net loss, means nothing).
pub fn shares_bp(amounts: &[i64]) -> Option<Vec<i64>> {
    let total: i128 = amounts.iter().map(|&a| a as i128).sum();
    if total <= 0 {
        return None;
    }
    let mut out = Vec::with_capacity(amounts.len());
    let mut rem: Vec<(i128, usize)> = Vec::with_capacity(amounts.len());
    let mut sum: i128 = 0;
    for (i, &a) in amounts.iter().enumerate() {
        let scaled = a as i128 * 10_000;
        let q = scaled.div_euclid(total);
        let r = scaled.rem_euclid(total);
        out.push(q as i64);
        sum += q;
        rem.push((r, i));
    }
    // the floors fall short of 10000 by fewer than n: the largest remainders
    // (earlier rows first on a tie) get one more hundredth each
    let short = (10_000 - sum) as usize;
    if short > 0 {
        rem.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        for &(_, i) in rem.iter().take(short) {
            out[i] += 1;
        }
    }
    Some(out)
}

/// Running sums of shares: the last is exactly 10000.
pub fn cumulative(shares: &[i64]) -> Vec<i64> {
    let mut acc = 0;
    shares
        .iter()
        .map(|s| {
            acc += s;
            acc
        })
        .collect()
}

/// `part` as hundredths of a percent of a positive `total`, rounded half
/// away from zero; `None` when the total is not positive.
pub fn part_bp(part: i64, total: i64) -> Option<i64> {
    if total <= 0 {
        return None;
    }
    let (n, d) = (i128::from(part) * 10_000, i128::from(total));
    let q = (n.abs() * 2 + d) / (2 * d);
    i64::try_from(if n < 0 { -q } else { q }).ok()
}

/// Change from `prev` to `now` in hundredths of a percent, rounded half away
/// from zero; `None` when there was nothing before.
pub fn change_bp(now: i64, prev: i64) -> Option<i64> {
    if prev == 0 {
        return None;
    }
    let num = (now as i128 - prev as i128) * 10_000;
    let den = (prev as i128).abs();
    let q = num / den;
    let r = num % den;
    let q = if r.abs() * 2 >= den {
        q + num.signum()
    } else {
        q
    };
    Some(q as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirds_add_up_to_a_hundred() {
        let s = shares_bp(&[1, 1, 1]).unwrap();
        assert_eq!(s, [3334, 3333, 3333]);
        assert_eq!(cumulative(&s), [3334, 6667, 10000]);
    }

    #[test]
    fn negatives_and_nothing() {
        let s = shares_bp(&[150, 100, -50]).unwrap();
        assert_eq!(s, [7500, 5000, -2500]);
        assert_eq!(s.iter().sum::<i64>(), 10000);
        assert_eq!(shares_bp(&[0, 0]), None);
        assert_eq!(shares_bp(&[-5, 2]), None);
        assert_eq!(shares_bp(&[]), None);
        let many: Vec<i64> = (1..=997).collect();
        assert_eq!(shares_bp(&many).unwrap().iter().sum::<i64>(), 10000);
    }

    #[test]
    fn changes() {
        assert_eq!(change_bp(150, 100), Some(5000));
        assert_eq!(change_bp(50, 100), Some(-5000));
        assert_eq!(change_bp(1, 3), Some(-6667));
        assert_eq!(change_bp(-100, -50), Some(-10000));
        assert_eq!(change_bp(10, 0), None);
    }
}
