//! How a salesperson's book is spread over several receivers (客户移交,
//! `dangan reassign --to A,B,C`): each receiver gets a near-equal share of
//! the period's net sales, and customers that must stay together (the same
//! value of `--keep-together`, e.g. 集团) go as one block.
//!
//! The blocks are dealt largest first to the receiver that holds the least
//! so far (then the fewest customers, then the first named): the greedy
//! "longest processing time" rule, whose largest share is at most 4/3 of the
//! best possible, and within one block of the mean when no block dominates.
//! Net sales below zero (more returned than bought) count as zero.

/// A block of customers that goes to one receiver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// the `--keep-together` value, or the customer id when alone
    pub key: String,
    /// net sales of the period in fen
    pub sales: i64,
    pub customers: usize,
}

/// The receiver (an index into the `--to` list) of every block, in the
/// order of `blocks`.
pub fn spread(blocks: &[Block], receivers: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..blocks.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&blocks[a], &blocks[b]);
        y.sales
            .max(0)
            .cmp(&x.sales.max(0))
            .then(y.customers.cmp(&x.customers))
            .then_with(|| x.key.cmp(&y.key))
    });
    let mut load: Vec<(i64, usize)> = vec![(0, 0); receivers.max(1)];
    let mut to = vec![0; blocks.len()];
    for i in order {
        let r = (0..load.len())
            .min_by_key(|&r| (load[r].0, load[r].1, r))
            .unwrap_or(0);
        load[r].0 += blocks[i].sales.max(0);
        load[r].1 += blocks[i].customers;
        to[i] = r;
    }
    to
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(key: &str, sales: i64, customers: usize) -> Block {
        Block {
            key: key.into(),
            sales,
            customers,
        }
    }

    #[test]
    fn the_largest_go_first_to_the_lightest() {
        // 9 → r0; 7 → r1; 5 → r1 (7 < 9)... r0 9+3=12, r1 7+5=12
        let blocks = [
            b("a", 900, 1),
            b("b", 700, 1),
            b("c", 500, 1),
            b("d", 300, 1),
        ];
        assert_eq!(spread(&blocks, 2), vec![0, 1, 1, 0]);
    }

    #[test]
    fn customers_without_sales_are_spread_by_count() {
        let blocks = [b("a", 0, 1), b("b", 0, 1), b("c", 0, 1), b("d", -50, 1)];
        let to = spread(&blocks, 2);
        assert_eq!(to.iter().filter(|&&r| r == 0).count(), 2);
        assert_eq!(to.iter().filter(|&&r| r == 1).count(), 2);
    }

    #[test]
    fn one_receiver_takes_everything() {
        assert_eq!(spread(&[b("a", 5, 1), b("b", 7, 2)], 1), vec![0, 0]);
        assert!(spread(&[], 3).is_empty());
    }
}
