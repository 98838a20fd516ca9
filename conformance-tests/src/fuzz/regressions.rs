//! Minimal sequences the fuzzer found, kept as regression cases: each is replayed on every
//! backend by the fuzzer's test (`tests/fuzz.rs`) and must give one answer everywhere.
//! A new one is pasted from the "as a regression case" part of a failure's message.

use super::prelude::*;

/// Each regression case: a name saying what differed, and its operations.
pub fn cases() -> Vec<(&'static str, Vec<Op>)> {
    vec![(
        "DuckDB 2.0's row-group pruner answered ORDER BY k LIMIT 1 with no row once the first row \
         group held only deleted rows (anytable now turns that optimizer off)",
        row_group_pruner(),
    ), (
        "a float sum overflowing in a group HAVING left out failed on PostgreSQL only (now \
         SQLite and DuckDB check every group in HAVING too)",
        float_sum_under_having(),
    ), (
        "DuckDB 2.0's late materialization of an ORDER BY ... LIMIT corrupted the heap and \
         aborted the process inside a transaction that inserted, after deletes (anytable now \
         turns that optimizer off)",
        late_materialization(),
    ), (
        "the average of 5e-324 and 0 (too small for a double) failed with an underflow error \
         on PostgreSQL only (now zero everywhere, as IEEE division rounds it)",
        subnormal_average(),
    ), (
        "the average of one integer past 2^53 came out 4 lower on DuckDB only (its SUM's \
         HUGEINT rounded to DOUBLE in two steps; now through its decimal text)",
        wide_integer_average(),
    )]
}

fn wide_integer_average() -> Vec<Op> {
    vec![
        Op::Upsert(
            Row {
                k: 0,
                values: vec![
                    Lit::g(0i16),
                    Lit::i(0i64),
                    Lit::oi(Some(-22858747472048171i64)),
                    Lit::n(0i32),
                    Lit::u(0u32),
                    Lit::w(0u64),
                    Lit::f(f64::from_bits(0x0)),
                    Lit::of(None),
                    Lit::h(f32::from_bits(0x0)),
                    Lit::b(false),
                    Lit::t("".to_owned()),
                    Lit::ot(None),
                    Lit::bytes(vec![]),
                    Lit::ts(DateTime::from_timestamp(0, 0).unwrap()),
                    Lit::ots(None),
                    Lit::day(NaiveDate::from_num_days_from_ce_opt(719163).unwrap()),
                    Lit::dt(DateTime::from_timestamp(0, 0).unwrap().naive_utc()),
                    Lit::tm(NaiveTime::from_num_seconds_from_midnight_opt(0, 0).unwrap()),
                    Lit::dec("0".parse::<Decimal>().unwrap()),
                    Lit::odec(None),
                    Lit::j(None),
                    Lit::uid(Uuid::from_u128(0x0)),
                ],
            },
            Conflict::Nothing,
        ),
        Op::Aggregate(
            Pred::Not(Box::new(Pred::Cmp(CmpOp::Eq, Lit::g(1i16)))),
            Agg::Avg(SumCol::oi),
        ),
    ]
}

/// Three operations after which PostgreSQL's float division underflowed.
fn subnormal_average() -> Vec<Op> {
    vec![
        Op::Insert(Row {
            k: 1,
            values: vec![
                Lit::g(0i16),
                Lit::i(0i64),
                Lit::oi(None),
                Lit::n(0i32),
                Lit::u(0u32),
                Lit::w(0u64),
                Lit::f(f64::from_bits(0x0)),
                Lit::of(Some(f64::from_bits(0x1))),
                Lit::h(f32::from_bits(0x0)),
                Lit::b(false),
                Lit::t("".to_owned()),
                Lit::ot(None),
                Lit::bytes(vec![]),
                Lit::ts(DateTime::from_timestamp(0, 0).unwrap()),
                Lit::ots(None),
                Lit::day(NaiveDate::from_num_days_from_ce_opt(719163).unwrap()),
                Lit::dt(DateTime::from_timestamp(0, 0).unwrap().naive_utc()),
                Lit::tm(NaiveTime::from_num_seconds_from_midnight_opt(0, 0).unwrap()),
                Lit::dec("0".parse::<Decimal>().unwrap()),
                Lit::odec(None),
                Lit::j(None),
                Lit::uid(Uuid::from_u128(0x0)),
            ],
        }),
        Op::Upsert(
            Row {
                k: 0,
                values: vec![
                    Lit::g(0i16),
                    Lit::i(0i64),
                    Lit::oi(None),
                    Lit::n(0i32),
                    Lit::u(0u32),
                    Lit::w(0u64),
                    Lit::f(f64::from_bits(0x0)),
                    Lit::of(Some(f64::from_bits(0x0))),
                    Lit::h(f32::from_bits(0x0)),
                    Lit::b(false),
                    Lit::t("".to_owned()),
                    Lit::ot(None),
                    Lit::bytes(vec![]),
                    Lit::ts(DateTime::from_timestamp(0, 0).unwrap()),
                    Lit::ots(None),
                    Lit::day(NaiveDate::from_num_days_from_ce_opt(719163).unwrap()),
                    Lit::dt(DateTime::from_timestamp(0, 0).unwrap().naive_utc()),
                    Lit::tm(NaiveTime::from_num_seconds_from_midnight_opt(0, 0).unwrap()),
                    Lit::dec("0".parse::<Decimal>().unwrap()),
                    Lit::odec(None),
                    Lit::j(None),
                    Lit::uid(Uuid::from_u128(0x0)),
                ],
            },
            Conflict::Nothing,
        ),
        Op::Aggregate(
            Pred::And(vec![Pred::In(Col::n, vec![Lit::n(0i32)])]),
            Agg::Avg(SumCol::of),
        ),
    ]
}

/// Six operations after which DuckDB aborted the process in the last one's ordered, limited
/// read (cut down from a 17-operation trace of a fuzzer run on DuckDB alone).
fn late_materialization() -> Vec<Op> {
    vec![
        Op::Upsert(
            Row {
                k: 10,
                values: vec![
                    Lit::g(-32768i16),
                    Lit::i(-3i64),
                    Lit::oi(None),
                    Lit::n(0i32),
                    Lit::u(3003588886u32),
                    Lit::w(2u64),
                    Lit::f(f64::from_bits(0xc042400000000000)),
                    Lit::of(Some(f64::from_bits(0x8000000000000001))),
                    Lit::h(f32::from_bits(0x80000000)),
                    Lit::b(false),
                    Lit::t("\u{10ffff}\u{10ffff}".to_owned()),
                    Lit::ot(Some("\"\tÉ".to_owned())),
                    Lit::bytes(vec![255, 17, 255]),
                    Lit::ts(DateTime::from_timestamp(946684800, 0).unwrap()),
                    Lit::ots(None),
                    Lit::day(NaiveDate::from_num_days_from_ce_opt(719163).unwrap()),
                    Lit::dt(
                        DateTime::from_timestamp(946684800, 500000000)
                            .unwrap()
                            .naive_utc(),
                    ),
                    Lit::tm(NaiveTime::from_num_seconds_from_midnight_opt(12227, 0).unwrap()),
                    Lit::dec("-335014026089394986.4".parse::<Decimal>().unwrap()),
                    Lit::odec(Some("-8936034960739074897".parse::<Decimal>().unwrap())),
                    Lit::j(Some(
                        anytable::serde_json::from_str::<anytable::serde_json::Value>(r#"{}"#)
                            .unwrap(),
                    )),
                    Lit::uid(Uuid::from_u128(0x0)),
                ],
            },
            Conflict::Nothing,
        ),
        Op::Insert(Row {
            k: 4,
            values: vec![
                Lit::g(1i16),
                Lit::i(-9223372036854775808i64),
                Lit::oi(Some(9007199254740992i64)),
                Lit::n(2147483647i32),
                Lit::u(1u32),
                Lit::w(1u64),
                Lit::f(f64::from_bits(0x6bc9ab629023a6ed)),
                Lit::of(Some(f64::from_bits(0x4c496dd1ae81c6a7))),
                Lit::h(f32::from_bits(0x4b800000)),
                Lit::b(true),
                Lit::t("Éẞ".to_owned()),
                Lit::ot(None),
                Lit::bytes(vec![255]),
                Lit::ts(DateTime::from_timestamp(1700000092, 0).unwrap()),
                Lit::ots(Some(
                    DateTime::from_timestamp(951782400, 999999000).unwrap(),
                )),
                Lit::day(NaiveDate::from_num_days_from_ce_opt(577731).unwrap()),
                Lit::dt(DateTime::from_timestamp(1700000015, 0).unwrap().naive_utc()),
                Lit::tm(NaiveTime::from_num_seconds_from_midnight_opt(11994, 0).unwrap()),
                Lit::dec("522800077043082223.4".parse::<Decimal>().unwrap()),
                Lit::odec(Some("-4579244631783198156".parse::<Decimal>().unwrap())),
                Lit::j(Some(
                    anytable::serde_json::from_str::<anytable::serde_json::Value>(
                        r#"[[1145111193]]"#,
                    )
                    .unwrap(),
                )),
                Lit::uid(Uuid::from_u128(0xffffffffffffffffffffffffffffffff)),
            ],
        }),
        Op::Delete(Pred::Or(vec![Pred::Not(Box::new(Pred::IsNotNull(
            Col::ots,
        )))])),
        Op::Insert(Row {
            k: 1,
            values: vec![
                Lit::g(2i16),
                Lit::i(1i64),
                Lit::oi(Some(-9007199254740993i64)),
                Lit::n(-3i32),
                Lit::u(3867335486u32),
                Lit::w(9223372036854775807u64),
                Lit::f(f64::from_bits(0x1)),
                Lit::of(Some(f64::from_bits(0x0))),
                Lit::h(f32::from_bits(0x0)),
                Lit::b(true),
                Lit::t("A%%".to_owned()),
                Lit::ot(Some("_ß\u{10ffff}a".to_owned())),
                Lit::bytes(vec![97, 144, 85, 97]),
                Lit::ts(DateTime::from_timestamp(155980176577, 500000000).unwrap()),
                Lit::ots(None),
                Lit::day(NaiveDate::from_num_days_from_ce_opt(577731).unwrap()),
                Lit::dt(
                    DateTime::from_timestamp(-62167219200, 0)
                        .unwrap()
                        .naive_utc(),
                ),
                Lit::tm(NaiveTime::from_num_seconds_from_midnight_opt(86399, 999999000).unwrap()),
                Lit::dec("-33456911215950086.64".parse::<Decimal>().unwrap()),
                Lit::odec(Some(
                    "79228162514264337593543950335".parse::<Decimal>().unwrap(),
                )),
                Lit::j(Some(
                    anytable::serde_json::from_str::<anytable::serde_json::Value>(r#"[""]"#)
                        .unwrap(),
                )),
                Lit::uid(Uuid::from_u128(0x5bcf8f5479b8879c32a1f60c717f25f9)),
            ],
        }),
        Op::Insert(Row {
            k: 5,
            values: vec![
                Lit::g(-32768i16),
                Lit::i(9223372036854775806i64),
                Lit::oi(Some(0i64)),
                Lit::n(-32768i32),
                Lit::u(1u32),
                Lit::w(9223372036854775807u64),
                Lit::f(f64::from_bits(0x7fe1ccf385ebc8a0)),
                Lit::of(Some(f64::from_bits(0xc341c37937e08000))),
                Lit::h(f32::from_bits(0x800000)),
                Lit::b(false),
                Lit::t("".to_owned()),
                Lit::ot(Some("Aمرحبا".to_owned())),
                Lit::bytes(vec![]),
                Lit::ts(DateTime::from_timestamp(1, 1000).unwrap()),
                Lit::ots(Some(DateTime::from_timestamp(1700000061, 0).unwrap())),
                Lit::day(NaiveDate::from_num_days_from_ce_opt(3652059).unwrap()),
                Lit::dt(DateTime::from_timestamp(0, 0).unwrap().naive_utc()),
                Lit::tm(NaiveTime::from_num_seconds_from_midnight_opt(43200, 789).unwrap()),
                Lit::dec("0".parse::<Decimal>().unwrap()),
                Lit::odec(Some("0".parse::<Decimal>().unwrap())),
                Lit::j(Some(
                    anytable::serde_json::from_str::<anytable::serde_json::Value>(r#"["z\tzÄ"]"#)
                        .unwrap(),
                )),
                Lit::uid(Uuid::from_u128(0x0)),
            ],
        }),
        Op::Transaction(
            vec![
                Op::InsertMany(vec![Row {
                    k: 0,
                    values: vec![
                        Lit::g(2i16),
                        Lit::i(-9007199254740993i64),
                        Lit::oi(Some(0i64)),
                        Lit::n(-32768i32),
                        Lit::u(1631186448u32),
                        Lit::w(1u64),
                        Lit::f(f64::from_bits(0x405a600000000000)),
                        Lit::of(Some(f64::from_bits(0x4000000000000000))),
                        Lit::h(f32::from_bits(0x80000000)),
                        Lit::b(false),
                        Lit::t("e\u{301}ΩÉa".to_owned()),
                        Lit::ot(Some("Ωz".to_owned())),
                        Lit::bytes(vec![0, 144, 0, 255, 0]),
                        Lit::ts(DateTime::from_timestamp(207211815805, 500000000).unwrap()),
                        Lit::ots(Some(DateTime::from_timestamp(81223835736, 1).unwrap())),
                        Lit::day(NaiveDate::from_num_days_from_ce_opt(3209245).unwrap()),
                        Lit::dt(
                            DateTime::from_timestamp(-11445417270, 123456000)
                                .unwrap()
                                .naive_utc(),
                        ),
                        Lit::tm(
                            NaiveTime::from_num_seconds_from_midnight_opt(86399, 123456789)
                                .unwrap(),
                        ),
                        Lit::dec("-8870004851116414.255".parse::<Decimal>().unwrap()),
                        Lit::odec(Some("2341876970248312219".parse::<Decimal>().unwrap())),
                        Lit::j(Some(
                            anytable::serde_json::from_str::<anytable::serde_json::Value>(r#"{}"#)
                                .unwrap(),
                        )),
                        Lit::uid(Uuid::from_u128(0xffffffffffffffffffffffffffffffff)),
                    ],
                }]),
                Op::Select {
                    pred: Pred::And(vec![Pred::Key(CmpOp::Ne, 9)]),
                    order: vec![],
                    limit: Some(4),
                    offset: None,
                },
            ],
            true,
        ),
    ]
}

/// 36 operations (from a history of 433) after which DuckDB's `ORDER BY k LIMIT 1` was empty.
fn row_group_pruner() -> Vec<Op> {
    vec![
        Op::InsertMany(vec![Row {
            k: 3,
            values: vec![
                Lit::g(3i16),
                Lit::i(-2i64),
                Lit::oi(None),
                Lit::n(-32768i32),
                Lit::u(1u32),
                Lit::w(6390762253354134089u64),
                Lit::f(f64::from_bits(0x4056200000000000)),
                Lit::of(Some(f64::from_bits(0x1))),
                Lit::h(f32::from_bits(0xff7fffff)),
                Lit::b(false),
                Lit::t("\u{7f}a ".to_owned()),
                Lit::ot(Some("".to_owned())),
                Lit::bytes(vec![189, 0, 190, 97]),
                Lit::ts(DateTime::from_timestamp(1700000049, 123456000).unwrap()),
                Lit::ots(Some(DateTime::from_timestamp(83697034438, 0).unwrap())),
                Lit::day(NaiveDate::from_num_days_from_ce_opt(730179).unwrap()),
                Lit::dt(
                    DateTime::from_timestamp(182012906871, 0)
                        .unwrap()
                        .naive_utc(),
                ),
                Lit::tm(NaiveTime::from_num_seconds_from_midnight_opt(3451, 0).unwrap()),
                Lit::dec("-0.0001".parse::<Decimal>().unwrap()),
                Lit::odec(Some("-788203715408465008.5".parse::<Decimal>().unwrap())),
                Lit::j(Some(
                    anytable::serde_json::from_str::<anytable::serde_json::Value>(r#"[true]"#)
                        .unwrap(),
                )),
                Lit::uid(Uuid::from_u128(0x3d551521bf5c832ceeb14280200517a0)),
            ],
        }]),
        Op::Insert(Row {
            k: 4,
            values: vec![
                Lit::g(2i16),
                Lit::i(-3300153925347043727i64),
                Lit::oi(None),
                Lit::n(-2036515443i32),
                Lit::u(1280506437u32),
                Lit::w(1u64),
                Lit::f(f64::from_bits(0x10000000000000)),
                Lit::of(Some(f64::from_bits(0x7fefffffffffffff))),
                Lit::h(f32::from_bits(0x39e07738)),
                Lit::b(true),
                Lit::t("яمرحبا0Ω".to_owned()),
                Lit::ot(Some("\t".to_owned())),
                Lit::bytes(vec![]),
                Lit::ts(DateTime::from_timestamp(219135086723, 1000).unwrap()),
                Lit::ots(None),
                Lit::day(NaiveDate::from_num_days_from_ce_opt(953115).unwrap()),
                Lit::dt(
                    DateTime::from_timestamp(25926597625, 999999000)
                        .unwrap()
                        .naive_utc(),
                ),
                Lit::tm(NaiveTime::from_num_seconds_from_midnight_opt(63300, 0).unwrap()),
                Lit::dec("-2052242857687851.563".parse::<Decimal>().unwrap()),
                Lit::odec(Some("-7452805912855055310".parse::<Decimal>().unwrap())),
                Lit::j(Some(
                    anytable::serde_json::from_str::<anytable::serde_json::Value>(r#"["bẞ"]"#)
                        .unwrap(),
                )),
                Lit::uid(Uuid::from_u128(0x9000f1757cd94976b4007ccbffe980e6)),
            ],
        }),
        Op::Upsert(
            Row {
                k: 6,
                values: vec![
                    Lit::g(3i16),
                    Lit::i(3769109420668694722i64),
                    Lit::oi(Some(-9223372036854775807i64)),
                    Lit::n(-32768i32),
                    Lit::u(544339965u32),
                    Lit::w(0u64),
                    Lit::f(f64::from_bits(0x7fe1ccf385ebc8a0)),
                    Lit::of(Some(f64::from_bits(0x3ff8000000000000))),
                    Lit::h(f32::from_bits(0x4b800000)),
                    Lit::b(false),
                    Lit::t("".to_owned()),
                    Lit::ot(Some("zمرحباÉb".to_owned())),
                    Lit::bytes(vec![0, 146, 97, 173]),
                    Lit::ts(DateTime::from_timestamp(1700000090, 0).unwrap()),
                    Lit::ots(Some(DateTime::from_timestamp(-62167219200, 0).unwrap())),
                    Lit::day(NaiveDate::from_num_days_from_ce_opt(-365).unwrap()),
                    Lit::dt(DateTime::from_timestamp(-1, 0).unwrap().naive_utc()),
                    Lit::tm(NaiveTime::from_num_seconds_from_midnight_opt(8074, 1000).unwrap()),
                    Lit::dec("26828744665455169.98".parse::<Decimal>().unwrap()),
                    Lit::odec(Some("5500300146611015.203".parse::<Decimal>().unwrap())),
                    Lit::j(None),
                    Lit::uid(Uuid::from_u128(0x0)),
                ],
            },
            Conflict::Nothing,
        ),
        Op::DeleteAll,
        Op::Insert(Row {
            k: 6,
            values: vec![
                Lit::g(-32768i16),
                Lit::i(-2147483648i64),
                Lit::oi(Some(-2147483648i64)),
                Lit::n(-3i32),
                Lit::u(4294967295u32),
                Lit::w(2u64),
                Lit::f(f64::from_bits(0x4055f80000000000)),
                Lit::of(Some(f64::from_bits(0xc036c00000000000))),
                Lit::h(f32::from_bits(0x613977bd)),
                Lit::b(false),
                Lit::t(" 9я".to_owned()),
                Lit::ot(Some("".to_owned())),
                Lit::bytes(vec![0, 255, 255, 0]),
                Lit::ts(DateTime::from_timestamp(0, 0).unwrap()),
                Lit::ots(Some(
                    DateTime::from_timestamp(90317066112, 500000000).unwrap(),
                )),
                Lit::day(NaiveDate::from_num_days_from_ce_opt(566157).unwrap()),
                Lit::dt(DateTime::from_timestamp(1700000065, 0).unwrap().naive_utc()),
                Lit::tm(NaiveTime::from_num_seconds_from_midnight_opt(63263, 999999000).unwrap()),
                Lit::dec("-79228162514264337593543950335".parse::<Decimal>().unwrap()),
                Lit::odec(Some("308703721865485014.6".parse::<Decimal>().unwrap())),
                Lit::j(Some(
                    anytable::serde_json::from_str::<anytable::serde_json::Value>(r#"[[null]]"#)
                        .unwrap(),
                )),
                Lit::uid(Uuid::from_u128(0xe77ab65d5bb68d45153816b2c0d4264d)),
            ],
        }),
        Op::InsertMany(vec![
            Row {
                k: 2,
                values: vec![
                    Lit::g(3i16),
                    Lit::i(9007199254740992i64),
                    Lit::oi(None),
                    Lit::n(2147483647i32),
                    Lit::u(0u32),
                    Lit::w(2u64),
                    Lit::f(f64::from_bits(0x401e800000000000)),
                    Lit::of(Some(f64::from_bits(0xc206f3e978f4))),
                    Lit::h(f32::from_bits(0x0)),
                    Lit::b(false),
                    Lit::t("\\".to_owned()),
                    Lit::ot(Some("éß".to_owned())),
                    Lit::bytes(vec![]),
                    Lit::ts(DateTime::from_timestamp(1700000047, 500000000).unwrap()),
                    Lit::ots(Some(
                        DateTime::from_timestamp(1700000022, 123456000).unwrap(),
                    )),
                    Lit::day(NaiveDate::from_num_days_from_ce_opt(719163).unwrap()),
                    Lit::dt(DateTime::from_timestamp(1, 500000000).unwrap().naive_utc()),
                    Lit::tm(NaiveTime::from_num_seconds_from_midnight_opt(0, 0).unwrap()),
                    Lit::dec("3569203879058699.965".parse::<Decimal>().unwrap()),
                    Lit::odec(Some("-21276305778316506.62".parse::<Decimal>().unwrap())),
                    Lit::j(Some(
                        anytable::serde_json::from_str::<anytable::serde_json::Value>(r#"[]"#)
                            .unwrap(),
                    )),
                    Lit::uid(Uuid::from_u128(0x0)),
                ],
            },
            Row {
                k: 8,
                values: vec![
                    Lit::g(2i16),
                    Lit::i(9007199254740992i64),
                    Lit::oi(Some(2147483647i64)),
                    Lit::n(32768i32),
                    Lit::u(2147483648u32),
                    Lit::w(9223372036854775807u64),
                    Lit::f(f64::from_bits(0x4032600000000000)),
                    Lit::of(Some(f64::from_bits(0x3ff0000000000000))),
                    Lit::h(f32::from_bits(0x434e4000)),
                    Lit::b(false),
                    Lit::t("".to_owned()),
                    Lit::ot(Some("äẞ\u{ffff}".to_owned())),
                    Lit::bytes(vec![255, 0]),
                    Lit::ts(DateTime::from_timestamp(100819502155, 999999999).unwrap()),
                    Lit::ots(Some(DateTime::from_timestamp(1700000037, 0).unwrap())),
                    Lit::day(NaiveDate::from_num_days_from_ce_opt(3447762).unwrap()),
                    Lit::dt(
                        DateTime::from_timestamp(208611355440, 123456789)
                            .unwrap()
                            .naive_utc(),
                    ),
                    Lit::tm(NaiveTime::from_num_seconds_from_midnight_opt(61625, 789).unwrap()),
                    Lit::dec("0.0001".parse::<Decimal>().unwrap()),
                    Lit::odec(None),
                    Lit::j(None),
                    Lit::uid(Uuid::from_u128(0x0)),
                ],
            },
            Row {
                k: 4,
                values: vec![
                    Lit::g(3i16),
                    Lit::i(3i64),
                    Lit::oi(None),
                    Lit::n(-3i32),
                    Lit::u(894601535u32),
                    Lit::w(9223372036854775807u64),
                    Lit::f(f64::from_bits(0xc027000000000000)),
                    Lit::of(None),
                    Lit::h(f32::from_bits(0x3dcccccd)),
                    Lit::b(false),
                    Lit::t("".to_owned()),
                    Lit::ot(None),
                    Lit::bytes(vec![142, 97, 93, 97, 17]),
                    Lit::ts(DateTime::from_timestamp(0, 789).unwrap()),
                    Lit::ots(Some(DateTime::from_timestamp(1700000002, 0).unwrap())),
                    Lit::day(NaiveDate::from_num_days_from_ce_opt(2690001).unwrap()),
                    Lit::dt(DateTime::from_timestamp(1700000055, 0).unwrap().naive_utc()),
                    Lit::tm(NaiveTime::from_num_seconds_from_midnight_opt(0, 0).unwrap()),
                    Lit::dec("-0.0001".parse::<Decimal>().unwrap()),
                    Lit::odec(Some("75246843822235182.06".parse::<Decimal>().unwrap())),
                    Lit::j(Some(
                        anytable::serde_json::from_str::<anytable::serde_json::Value>(r#"[]"#)
                            .unwrap(),
                    )),
                    Lit::uid(Uuid::from_u128(0x70b65809ef100f221cf31d7e315c5ff5)),
                ],
            },
        ]),
        Op::DeleteAll,
        Op::Insert(Row {
            k: 6,
            values: vec![
                Lit::g(1i16),
                Lit::i(-8603820863484302453i64),
                Lit::oi(Some(-2i64)),
                Lit::n(32768i32),
                Lit::u(4294967295u32),
                Lit::w(2u64),
                Lit::f(f64::from_bits(0x4041c00000000000)),
                Lit::of(Some(f64::from_bits(0x1))),
                Lit::h(f32::from_bits(0x42310000)),
                Lit::b(false),
                Lit::t("Я".to_owned()),
                Lit::ot(None),
                Lit::bytes(vec![255, 97, 0]),
                Lit::ts(DateTime::from_timestamp(-38729630461, 999999999).unwrap()),
                Lit::ots(Some(DateTime::from_timestamp(1, 0).unwrap())),
                Lit::day(NaiveDate::from_num_days_from_ce_opt(1813366).unwrap()),
                Lit::dt(DateTime::from_timestamp(-1, 0).unwrap().naive_utc()),
                Lit::tm(NaiveTime::from_num_seconds_from_midnight_opt(1049, 0).unwrap()),
                Lit::dec("-7240901122246356676".parse::<Decimal>().unwrap()),
                Lit::odec(None),
                Lit::j(Some(
                    anytable::serde_json::from_str::<anytable::serde_json::Value>(r#"{}"#).unwrap(),
                )),
                Lit::uid(Uuid::from_u128(0xffffffffffffffffffffffffffffffff)),
            ],
        }),
        Op::Insert(Row {
            k: 10,
            values: vec![
                Lit::g(1i16),
                Lit::i(-9007199254740993i64),
                Lit::oi(Some(-3i64)),
                Lit::n(913772919i32),
                Lit::u(4294967295u32),
                Lit::w(9223372036854775807u64),
                Lit::f(f64::from_bits(0x4049b00000000000)),
                Lit::of(Some(f64::from_bits(0x3fe0000000000000))),
                Lit::h(f32::from_bits(0x34000000)),
                Lit::b(false),
                Lit::t("Яωß".to_owned()),
                Lit::ot(Some("\\".to_owned())),
                Lit::bytes(vec![0, 146, 0]),
                Lit::ts(DateTime::from_timestamp(0, 0).unwrap()),
                Lit::ots(Some(DateTime::from_timestamp(0, 0).unwrap())),
                Lit::day(NaiveDate::from_num_days_from_ce_opt(1359107).unwrap()),
                Lit::dt(DateTime::from_timestamp(1700000015, 0).unwrap().naive_utc()),
                Lit::tm(NaiveTime::from_num_seconds_from_midnight_opt(86399, 1000).unwrap()),
                Lit::dec("0".parse::<Decimal>().unwrap()),
                Lit::odec(None),
                Lit::j(Some(
                    anytable::serde_json::from_str::<anytable::serde_json::Value>(r#"{"b":true}"#)
                        .unwrap(),
                )),
                Lit::uid(Uuid::from_u128(0x0)),
            ],
        }),
        Op::Delete(Pred::And(vec![
            Pred::Or(vec![Pred::Key(CmpOp::Le, 5), Pred::Key(CmpOp::Ge, 3)]),
            Pred::IsNotNull(Col::dt),
        ])),
        Op::Insert(Row {
            k: 10,
            values: vec![
                Lit::g(-32768i16),
                Lit::i(-7499608346019813692i64),
                Lit::oi(Some(-6356810698149736104i64)),
                Lit::n(-3i32),
                Lit::u(1u32),
                Lit::w(7628716564966837139u64),
                Lit::f(f64::from_bits(0xc053400000000000)),
                Lit::of(Some(f64::from_bits(0x7fe1ccf385ebc8a0))),
                Lit::h(f32::from_bits(0xc2920000)),
                Lit::b(true),
                Lit::t("".to_owned()),
                Lit::ot(None),
                Lit::bytes(vec![0, 0, 97]),
                Lit::ts(DateTime::from_timestamp(951782400, 0).unwrap()),
                Lit::ots(Some(DateTime::from_timestamp(206617512880, 0).unwrap())),
                Lit::day(NaiveDate::from_num_days_from_ce_opt(-365).unwrap()),
                Lit::dt(DateTime::from_timestamp(1700000064, 0).unwrap().naive_utc()),
                Lit::tm(NaiveTime::from_num_seconds_from_midnight_opt(0, 0).unwrap()),
                Lit::dec("79228162514264337593543950335".parse::<Decimal>().unwrap()),
                Lit::odec(Some("-187913274389942649.0".parse::<Decimal>().unwrap())),
                Lit::j(None),
                Lit::uid(Uuid::from_u128(0x48c23af5e3793695bd8b7a609dd3413)),
            ],
        }),
        Op::Insert(Row {
            k: 5,
            values: vec![
                Lit::g(2i16),
                Lit::i(-2147483648i64),
                Lit::oi(None),
                Lit::n(-1i32),
                Lit::u(0u32),
                Lit::w(9223372036854775807u64),
                Lit::f(f64::from_bits(0xcf73fe9520b4869e)),
                Lit::of(Some(f64::from_bits(0xbff0000000000000))),
                Lit::h(f32::from_bits(0x7f7fffff)),
                Lit::b(false),
                Lit::t("\"Ω\u{10ffff}ä".to_owned()),
                Lit::ot(Some("\u{ffff}0".to_owned())),
                Lit::bytes(vec![255]),
                Lit::ts(DateTime::from_timestamp(20345795592, 0).unwrap()),
                Lit::ots(Some(
                    DateTime::from_timestamp(1700000031, 123456789).unwrap(),
                )),
                Lit::day(NaiveDate::from_num_days_from_ce_opt(1338234).unwrap()),
                Lit::dt(DateTime::from_timestamp(0, 0).unwrap().naive_utc()),
                Lit::tm(NaiveTime::from_num_seconds_from_midnight_opt(77634, 999999000).unwrap()),
                Lit::dec("72442838735265454.63".parse::<Decimal>().unwrap()),
                Lit::odec(None),
                Lit::j(Some(
                    anytable::serde_json::from_str::<anytable::serde_json::Value>(r#"[]"#).unwrap(),
                )),
                Lit::uid(Uuid::from_u128(0xffffffffffffffffffffffffffffffff)),
            ],
        }),
        Op::Upsert(
            Row {
                k: 5,
                values: vec![
                    Lit::g(1i16),
                    Lit::i(0i64),
                    Lit::oi(Some(-9007199254740993i64)),
                    Lit::n(1i32),
                    Lit::u(1654691448u32),
                    Lit::w(9223372036854775807u64),
                    Lit::f(f64::from_bits(0x3693d0a7b88fa1bd)),
                    Lit::of(Some(f64::from_bits(0x3ff0000000000000))),
                    Lit::h(f32::from_bits(0x433c0000)),
                    Lit::b(true),
                    Lit::t("Ωẞ'ẞ".to_owned()),
                    Lit::ot(None),
                    Lit::bytes(vec![255]),
                    Lit::ts(DateTime::from_timestamp(4102444800, 0).unwrap()),
                    Lit::ots(Some(DateTime::from_timestamp(150889868451, 0).unwrap())),
                    Lit::day(NaiveDate::from_num_days_from_ce_opt(577731).unwrap()),
                    Lit::dt(DateTime::from_timestamp(1, 0).unwrap().naive_utc()),
                    Lit::tm(NaiveTime::from_num_seconds_from_midnight_opt(66817, 0).unwrap()),
                    Lit::dec("-470996353010395082.5".parse::<Decimal>().unwrap()),
                    Lit::odec(None),
                    Lit::j(Some(
                        anytable::serde_json::from_str::<anytable::serde_json::Value>(
                            r#"[-1e+16,-991919410]"#,
                        )
                        .unwrap(),
                    )),
                    Lit::uid(Uuid::from_u128(0xffffffffffffffffffffffffffffffff)),
                ],
            },
            Conflict::Update(vec![Col::w, Col::u]),
        ),
        Op::Insert(Row {
            k: 1,
            values: vec![
                Lit::g(2i16),
                Lit::i(-9223372036854775808i64),
                Lit::oi(Some(3i64)),
                Lit::n(32768i32),
                Lit::u(4294967295u32),
                Lit::w(1u64),
                Lit::f(f64::from_bits(0xbff0000000000000)),
                Lit::of(Some(f64::from_bits(0x10000000000000))),
                Lit::h(f32::from_bits(0x42220000)),
                Lit::b(false),
                Lit::t("ẞe\u{301}\\".to_owned()),
                Lit::ot(None),
                Lit::bytes(vec![97, 97, 255, 97, 255]),
                Lit::ts(DateTime::from_timestamp(1, 0).unwrap()),
                Lit::ots(Some(DateTime::from_timestamp(221473792395, 1000).unwrap())),
                Lit::day(NaiveDate::from_num_days_from_ce_opt(107067).unwrap()),
                Lit::dt(
                    DateTime::from_timestamp(253402300799, 999)
                        .unwrap()
                        .naive_utc(),
                ),
                Lit::tm(NaiveTime::from_num_seconds_from_midnight_opt(0, 1000).unwrap()),
                Lit::dec("922337203685477.5807".parse::<Decimal>().unwrap()),
                Lit::odec(Some("712019485200249295.8".parse::<Decimal>().unwrap())),
                Lit::j(Some(
                    anytable::serde_json::from_str::<anytable::serde_json::Value>(r#"[]"#).unwrap(),
                )),
                Lit::uid(Uuid::from_u128(0xffffffffffffffffffffffffffffffff)),
            ],
        }),
        Op::Insert(Row {
            k: 6,
            values: vec![
                Lit::g(0i16),
                Lit::i(2i64),
                Lit::oi(Some(3i64)),
                Lit::n(-3i32),
                Lit::u(2380295700u32),
                Lit::w(1u64),
                Lit::f(f64::from_bits(0x23c8d67f9448a5aa)),
                Lit::of(Some(f64::from_bits(0x8000000000000000))),
                Lit::h(f32::from_bits(0xc33ac000)),
                Lit::b(true),
                Lit::t("".to_owned()),
                Lit::ot(Some("\né𝄞".to_owned())),
                Lit::bytes(vec![]),
                Lit::ts(DateTime::from_timestamp(1700000057, 1).unwrap()),
                Lit::ots(Some(DateTime::from_timestamp(85604036903, 0).unwrap())),
                Lit::day(NaiveDate::from_num_days_from_ce_opt(2227352).unwrap()),
                Lit::dt(
                    DateTime::from_timestamp(-62167219200, 0)
                        .unwrap()
                        .naive_utc(),
                ),
                Lit::tm(NaiveTime::from_num_seconds_from_midnight_opt(43200, 123456000).unwrap()),
                Lit::dec("-8003065317445305565".parse::<Decimal>().unwrap()),
                Lit::odec(Some("922337203685477.5807".parse::<Decimal>().unwrap())),
                Lit::j(Some(
                    anytable::serde_json::from_str::<anytable::serde_json::Value>(
                        r#"[[true],true]"#,
                    )
                    .unwrap(),
                )),
                Lit::uid(Uuid::from_u128(0xffffffffffffffffffffffffffffffff)),
            ],
        }),
        Op::Upsert(
            Row {
                k: 1,
                values: vec![
                    Lit::g(3i16),
                    Lit::i(0i64),
                    Lit::oi(Some(3749514404609163477i64)),
                    Lit::n(1i32),
                    Lit::u(2u32),
                    Lit::w(1u64),
                    Lit::f(f64::from_bits(0x4340000000000000)),
                    Lit::of(Some(f64::from_bits(0x3ff0000000000000))),
                    Lit::h(f32::from_bits(0x545f4450)),
                    Lit::b(false),
                    Lit::t("\u{200f}z".to_owned()),
                    Lit::ot(Some("שלום".to_owned())),
                    Lit::bytes(vec![]),
                    Lit::ts(DateTime::from_timestamp(0, 0).unwrap()),
                    Lit::ots(None),
                    Lit::day(NaiveDate::from_num_days_from_ce_opt(1233123).unwrap()),
                    Lit::dt(
                        DateTime::from_timestamp(1700000024, 999999000)
                            .unwrap()
                            .naive_utc(),
                    ),
                    Lit::tm(
                        NaiveTime::from_num_seconds_from_midnight_opt(18022, 500000000).unwrap(),
                    ),
                    Lit::dec("1252170549293630400".parse::<Decimal>().unwrap()),
                    Lit::odec(Some("-617602813299151390.8".parse::<Decimal>().unwrap())),
                    Lit::j(None),
                    Lit::uid(Uuid::from_u128(0xffffffffffffffffffffffffffffffff)),
                ],
            },
            Conflict::Update(vec![Col::j, Col::i]),
        ),
        Op::Insert(Row {
            k: 7,
            values: vec![
                Lit::g(0i16),
                Lit::i(-8698842533459238197i64),
                Lit::oi(None),
                Lit::n(-774083701i32),
                Lit::u(2111536204u32),
                Lit::w(9223372036854775807u64),
                Lit::f(f64::from_bits(0x3fe0000000000000)),
                Lit::of(Some(f64::from_bits(0xc059f80000000000))),
                Lit::h(f32::from_bits(0x80000000)),
                Lit::b(true),
                Lit::t("ω".to_owned()),
                Lit::ot(None),
                Lit::bytes(vec![0, 241, 0]),
                Lit::ts(DateTime::from_timestamp(1, 0).unwrap()),
                Lit::ots(None),
                Lit::day(NaiveDate::from_num_days_from_ce_opt(3604774).unwrap()),
                Lit::dt(DateTime::from_timestamp(0, 0).unwrap().naive_utc()),
                Lit::tm(NaiveTime::from_num_seconds_from_midnight_opt(43200, 500000000).unwrap()),
                Lit::dec("-3212724395520805.003".parse::<Decimal>().unwrap()),
                Lit::odec(Some(
                    "1000000000000000000000000000".parse::<Decimal>().unwrap(),
                )),
                Lit::j(None),
                Lit::uid(Uuid::from_u128(0xf6e52445c4e357b581f69898940dbc4c)),
            ],
        }),
        Op::Upsert(
            Row {
                k: 3,
                values: vec![
                    Lit::g(-32768i16),
                    Lit::i(9007199254740993i64),
                    Lit::oi(Some(9007199254740993i64)),
                    Lit::n(32768i32),
                    Lit::u(2147483648u32),
                    Lit::w(0u64),
                    Lit::f(f64::from_bits(0x4048f00000000000)),
                    Lit::of(Some(f64::from_bits(0x7fefffffffffffff))),
                    Lit::h(f32::from_bits(0x80000000)),
                    Lit::b(false),
                    Lit::t("".to_owned()),
                    Lit::ot(Some("%".to_owned())),
                    Lit::bytes(vec![255, 0]),
                    Lit::ts(DateTime::from_timestamp(5926102540, 0).unwrap()),
                    Lit::ots(Some(DateTime::from_timestamp(253402300799, 1000).unwrap())),
                    Lit::day(NaiveDate::from_num_days_from_ce_opt(2913437).unwrap()),
                    Lit::dt(DateTime::from_timestamp(1700000009, 0).unwrap().naive_utc()),
                    Lit::tm(
                        NaiveTime::from_num_seconds_from_midnight_opt(43200, 500000000).unwrap(),
                    ),
                    Lit::dec("0.0001".parse::<Decimal>().unwrap()),
                    Lit::odec(Some("-22324694283778518.1".parse::<Decimal>().unwrap())),
                    Lit::j(Some(
                        anytable::serde_json::from_str::<anytable::serde_json::Value>(r#"{}"#)
                            .unwrap(),
                    )),
                    Lit::uid(Uuid::from_u128(0xffffffffffffffffffffffffffffffff)),
                ],
            },
            Conflict::Nothing,
        ),
        Op::Upsert(
            Row {
                k: 7,
                values: vec![
                    Lit::g(1i16),
                    Lit::i(0i64),
                    Lit::oi(Some(2i64)),
                    Lit::n(-32768i32),
                    Lit::u(1u32),
                    Lit::w(3u64),
                    Lit::f(f64::from_bits(0x0)),
                    Lit::of(Some(f64::from_bits(0x4340000000000000))),
                    Lit::h(f32::from_bits(0x4b800000)),
                    Lit::b(false),
                    Lit::t("".to_owned()),
                    Lit::ot(Some("".to_owned())),
                    Lit::bytes(vec![]),
                    Lit::ts(DateTime::from_timestamp(-62167219200, 999999000).unwrap()),
                    Lit::ots(Some(DateTime::from_timestamp(232575721915, 0).unwrap())),
                    Lit::day(NaiveDate::from_num_days_from_ce_opt(730179).unwrap()),
                    Lit::dt(
                        DateTime::from_timestamp(4102444800, 999999999)
                            .unwrap()
                            .naive_utc(),
                    ),
                    Lit::tm(NaiveTime::from_num_seconds_from_midnight_opt(0, 0).unwrap()),
                    Lit::dec("3760228501697468542".parse::<Decimal>().unwrap()),
                    Lit::odec(None),
                    Lit::j(Some(
                        anytable::serde_json::from_str::<anytable::serde_json::Value>(r#""""#)
                            .unwrap(),
                    )),
                    Lit::uid(Uuid::from_u128(0xd92dc202dad7a20f12934c2cd845a843)),
                ],
            },
            Conflict::UpdateAll,
        ),
        Op::Insert(Row {
            k: 4,
            values: vec![
                Lit::g(2i16),
                Lit::i(0i64),
                Lit::oi(Some(3375531778246990968i64)),
                Lit::n(-1855843492i32),
                Lit::u(4294967295u32),
                Lit::w(1u64),
                Lit::f(f64::from_bits(0x3cb0000000000000)),
                Lit::of(Some(f64::from_bits(0x4056100000000000))),
                Lit::h(f32::from_bits(0x4300c000)),
                Lit::b(false),
                Lit::t("\"😀É\"".to_owned()),
                Lit::ot(Some("".to_owned())),
                Lit::bytes(vec![0]),
                Lit::ts(DateTime::from_timestamp(0, 0).unwrap()),
                Lit::ots(Some(DateTime::from_timestamp(206950472995, 1).unwrap())),
                Lit::day(NaiveDate::from_num_days_from_ce_opt(1020666).unwrap()),
                Lit::dt(DateTime::from_timestamp(4102444800, 0).unwrap().naive_utc()),
                Lit::tm(NaiveTime::from_num_seconds_from_midnight_opt(0, 0).unwrap()),
                Lit::dec("-0.0001".parse::<Decimal>().unwrap()),
                Lit::odec(Some("922337203685477.5807".parse::<Decimal>().unwrap())),
                Lit::j(Some(
                    anytable::serde_json::from_str::<anytable::serde_json::Value>(
                        r#"["Ω😀",null]"#,
                    )
                    .unwrap(),
                )),
                Lit::uid(Uuid::from_u128(0x488df22dd0f4440624962bf50afb05c2)),
            ],
        }),
        Op::Insert(Row {
            k: 11,
            values: vec![
                Lit::g(0i16),
                Lit::i(0i64),
                Lit::oi(Some(3i64)),
                Lit::n(927944461i32),
                Lit::u(3773503724u32),
                Lit::w(0u64),
                Lit::f(f64::from_bits(0xddc287c409b7fc43)),
                Lit::of(None),
                Lit::h(f32::from_bits(0x7f7fffff)),
                Lit::b(false),
                Lit::t("aΩωمرحبا".to_owned()),
                Lit::ot(Some("AΩB0".to_owned())),
                Lit::bytes(vec![97, 97]),
                Lit::ts(DateTime::from_timestamp(-1, 500000000).unwrap()),
                Lit::ots(Some(DateTime::from_timestamp(-1, 0).unwrap())),
                Lit::day(NaiveDate::from_num_days_from_ce_opt(51820).unwrap()),
                Lit::dt(
                    DateTime::from_timestamp(1700000070, 123456789)
                        .unwrap()
                        .naive_utc(),
                ),
                Lit::tm(NaiveTime::from_num_seconds_from_midnight_opt(77308, 0).unwrap()),
                Lit::dec("723386331382623.9380".parse::<Decimal>().unwrap()),
                Lit::odec(Some("922337203685477.5807".parse::<Decimal>().unwrap())),
                Lit::j(Some(
                    anytable::serde_json::from_str::<anytable::serde_json::Value>(r#"{"b":true}"#)
                        .unwrap(),
                )),
                Lit::uid(Uuid::from_u128(0x273b38f1ea9335077eb4f9b174e87da3)),
            ],
        }),
        Op::Upsert(
            Row {
                k: 9,
                values: vec![
                    Lit::g(2i16),
                    Lit::i(9007199254740993i64),
                    Lit::oi(Some(8954402467192521175i64)),
                    Lit::n(-936002255i32),
                    Lit::u(4113431897u32),
                    Lit::w(9223372036854775807u64),
                    Lit::f(f64::from_bits(0x4341c37937e08000)),
                    Lit::of(None),
                    Lit::h(f32::from_bits(0xbf800000)),
                    Lit::b(false),
                    Lit::t("B".to_owned()),
                    Lit::ot(None),
                    Lit::bytes(vec![255, 255, 97, 0]),
                    Lit::ts(DateTime::from_timestamp(1700000049, 0).unwrap()),
                    Lit::ots(Some(DateTime::from_timestamp(946684800, 1000).unwrap())),
                    Lit::day(NaiveDate::from_num_days_from_ce_opt(2317584).unwrap()),
                    Lit::dt(
                        DateTime::from_timestamp(190520730129, 0)
                            .unwrap()
                            .naive_utc(),
                    ),
                    Lit::tm(NaiveTime::from_num_seconds_from_midnight_opt(5191, 0).unwrap()),
                    Lit::dec("-6507792185164788038".parse::<Decimal>().unwrap()),
                    Lit::odec(Some(
                        "-79228162514264337593543950335".parse::<Decimal>().unwrap(),
                    )),
                    Lit::j(Some(
                        anytable::serde_json::from_str::<anytable::serde_json::Value>(r#"{}"#)
                            .unwrap(),
                    )),
                    Lit::uid(Uuid::from_u128(0x0)),
                ],
            },
            Conflict::Nothing,
        ),
        Op::DeleteAll,
        Op::InsertMany(vec![Row {
            k: 2,
            values: vec![
                Lit::g(2i16),
                Lit::i(6496810248954349589i64),
                Lit::oi(Some(0i64)),
                Lit::n(0i32),
                Lit::u(2u32),
                Lit::w(7224402021006851944u64),
                Lit::f(f64::from_bits(0x7fefffffffffffff)),
                Lit::of(None),
                Lit::h(f32::from_bits(0xc30e8000)),
                Lit::b(false),
                Lit::t("'äe\u{301}a".to_owned()),
                Lit::ot(Some("ß0É~".to_owned())),
                Lit::bytes(vec![240, 255, 0, 255]),
                Lit::ts(DateTime::from_timestamp(0, 0).unwrap()),
                Lit::ots(None),
                Lit::day(NaiveDate::from_num_days_from_ce_opt(3652059).unwrap()),
                Lit::dt(
                    DateTime::from_timestamp(153908655989, 999999999)
                        .unwrap()
                        .naive_utc(),
                ),
                Lit::tm(NaiveTime::from_num_seconds_from_midnight_opt(86399, 999999000).unwrap()),
                Lit::dec("7250206495914597.174".parse::<Decimal>().unwrap()),
                Lit::odec(Some("-0.0001".parse::<Decimal>().unwrap())),
                Lit::j(Some(
                    anytable::serde_json::from_str::<anytable::serde_json::Value>(r#"{"":{}}"#)
                        .unwrap(),
                )),
                Lit::uid(Uuid::from_u128(0x716ad3772fd9530d06a2d7b4f9d954c1)),
            ],
        }]),
        Op::Upsert(
            Row {
                k: 9,
                values: vec![
                    Lit::g(0i16),
                    Lit::i(-3i64),
                    Lit::oi(None),
                    Lit::n(1i32),
                    Lit::u(0u32),
                    Lit::w(1u64),
                    Lit::f(f64::from_bits(0xc341c37937e08000)),
                    Lit::of(Some(f64::from_bits(0xd9439810a3118))),
                    Lit::h(f32::from_bits(0x80000000)),
                    Lit::b(true),
                    Lit::t("\\".to_owned()),
                    Lit::ot(Some("ß%'".to_owned())),
                    Lit::bytes(vec![]),
                    Lit::ts(DateTime::from_timestamp(946684800, 999999000).unwrap()),
                    Lit::ots(Some(DateTime::from_timestamp(4102444800, 0).unwrap())),
                    Lit::day(NaiveDate::from_num_days_from_ce_opt(2619849).unwrap()),
                    Lit::dt(
                        DateTime::from_timestamp(253402300799, 123456000)
                            .unwrap()
                            .naive_utc(),
                    ),
                    Lit::tm(
                        NaiveTime::from_num_seconds_from_midnight_opt(86399, 123456000).unwrap(),
                    ),
                    Lit::dec("1741301874955963.436".parse::<Decimal>().unwrap()),
                    Lit::odec(Some("0.5".parse::<Decimal>().unwrap())),
                    Lit::j(Some(
                        anytable::serde_json::from_str::<anytable::serde_json::Value>(
                            r#"["Ω\n􏿿"]"#,
                        )
                        .unwrap(),
                    )),
                    Lit::uid(Uuid::from_u128(0xffffffffffffffffffffffffffffffff)),
                ],
            },
            Conflict::Nothing,
        ),
        Op::Insert(Row {
            k: 8,
            values: vec![
                Lit::g(0i16),
                Lit::i(914424972588454758i64),
                Lit::oi(Some(-1i64)),
                Lit::n(2i32),
                Lit::u(2u32),
                Lit::w(2u64),
                Lit::f(f64::from_bits(0x7fefffffffffffff)),
                Lit::of(Some(f64::from_bits(0x3ff0000000000000))),
                Lit::h(f32::from_bits(0x3f800000)),
                Lit::b(true),
                Lit::t("Ωa😀".to_owned()),
                Lit::ot(None),
                Lit::bytes(vec![208, 177, 97]),
                Lit::ts(DateTime::from_timestamp(4102444800, 999).unwrap()),
                Lit::ots(Some(DateTime::from_timestamp(951782400, 1000).unwrap())),
                Lit::day(NaiveDate::from_num_days_from_ce_opt(838195).unwrap()),
                Lit::dt(DateTime::from_timestamp(1, 0).unwrap().naive_utc()),
                Lit::tm(NaiveTime::from_num_seconds_from_midnight_opt(43200, 0).unwrap()),
                Lit::dec("0.0001".parse::<Decimal>().unwrap()),
                Lit::odec(Some("-0.0001".parse::<Decimal>().unwrap())),
                Lit::j(Some(
                    anytable::serde_json::from_str::<anytable::serde_json::Value>(
                        r#"[1996956633,{"a":[],"b":1e+300}]"#,
                    )
                    .unwrap(),
                )),
                Lit::uid(Uuid::from_u128(0xffffffffffffffffffffffffffffffff)),
            ],
        }),
        Op::Upsert(
            Row {
                k: 5,
                values: vec![
                    Lit::g(1i16),
                    Lit::i(0i64),
                    Lit::oi(Some(8143256441557785636i64)),
                    Lit::n(-612153764i32),
                    Lit::u(2786643380u32),
                    Lit::w(9223372036854775807u64),
                    Lit::f(f64::from_bits(0xc4a78d04954f0f40)),
                    Lit::of(None),
                    Lit::h(f32::from_bits(0x80000000)),
                    Lit::b(true),
                    Lit::t("\u{10ffff}".to_owned()),
                    Lit::ot(None),
                    Lit::bytes(vec![255, 255, 97]),
                    Lit::ts(DateTime::from_timestamp(-1358594555, 999999000).unwrap()),
                    Lit::ots(None),
                    Lit::day(NaiveDate::from_num_days_from_ce_opt(719163).unwrap()),
                    Lit::dt(
                        DateTime::from_timestamp(1700000094, 999999000)
                            .unwrap()
                            .naive_utc(),
                    ),
                    Lit::tm(NaiveTime::from_num_seconds_from_midnight_opt(7113, 1).unwrap()),
                    Lit::dec("876085145532651867.6".parse::<Decimal>().unwrap()),
                    Lit::odec(Some("390133880639551555.8".parse::<Decimal>().unwrap())),
                    Lit::j(Some(
                        anytable::serde_json::from_str::<anytable::serde_json::Value>(
                            r#"[["äωaB"],"ẞ"]"#,
                        )
                        .unwrap(),
                    )),
                    Lit::uid(Uuid::from_u128(0xffffffffffffffffffffffffffffffff)),
                ],
            },
            Conflict::Nothing,
        ),
        Op::Upsert(
            Row {
                k: 10,
                values: vec![
                    Lit::g(0i16),
                    Lit::i(-1i64),
                    Lit::oi(None),
                    Lit::n(-2147483648i32),
                    Lit::u(2u32),
                    Lit::w(1u64),
                    Lit::f(f64::from_bits(0x405bd80000000000)),
                    Lit::of(None),
                    Lit::h(f32::from_bits(0xe795bb15)),
                    Lit::b(true),
                    Lit::t("שלוםbω".to_owned()),
                    Lit::ot(Some("éz\u{7f}".to_owned())),
                    Lit::bytes(vec![0, 0, 255, 97, 0]),
                    Lit::ts(DateTime::from_timestamp(1700000066, 999999000).unwrap()),
                    Lit::ots(Some(
                        DateTime::from_timestamp(1700000025, 999999000).unwrap(),
                    )),
                    Lit::day(NaiveDate::from_num_days_from_ce_opt(1484320).unwrap()),
                    Lit::dt(
                        DateTime::from_timestamp(153142649059, 123456789)
                            .unwrap()
                            .naive_utc(),
                    ),
                    Lit::tm(NaiveTime::from_num_seconds_from_midnight_opt(0, 0).unwrap()),
                    Lit::dec("-1367592422224367333".parse::<Decimal>().unwrap()),
                    Lit::odec(Some("-696341872960976.0434".parse::<Decimal>().unwrap())),
                    Lit::j(None),
                    Lit::uid(Uuid::from_u128(0xffffffffffffffffffffffffffffffff)),
                ],
            },
            Conflict::Update(vec![Col::f, Col::uid]),
        ),
        Op::ArrowRoundTrip,
        Op::Delete(Pred::Or(vec![
            Pred::Like(TextCol::t, "я9\\%%".to_owned(), true),
            Pred::Cmp(
                CmpOp::Ne,
                Lit::odec(Some("-23101908984590671.15".parse::<Decimal>().unwrap())),
            ),
        ])),
        Op::InsertMany(vec![Row {
            k: 5,
            values: vec![
                Lit::g(0i16),
                Lit::i(2i64),
                Lit::oi(Some(-4053000543428816820i64)),
                Lit::n(563793298i32),
                Lit::u(2u32),
                Lit::w(1142829832785007812u64),
                Lit::f(f64::from_bits(0x7fefffffffffffff)),
                Lit::of(Some(f64::from_bits(0xc050b80000000000))),
                Lit::h(f32::from_bits(0x7f7fffff)),
                Lit::b(true),
                Lit::t("ẞ\"\"b".to_owned()),
                Lit::ot(Some("_".to_owned())),
                Lit::bytes(vec![97, 97]),
                Lit::ts(DateTime::from_timestamp(1700000034, 0).unwrap()),
                Lit::ots(Some(DateTime::from_timestamp(1700000015, 1000).unwrap())),
                Lit::day(NaiveDate::from_num_days_from_ce_opt(730179).unwrap()),
                Lit::dt(DateTime::from_timestamp(0, 0).unwrap().naive_utc()),
                Lit::tm(NaiveTime::from_num_seconds_from_midnight_opt(0, 1000).unwrap()),
                Lit::dec("8340770598355909.452".parse::<Decimal>().unwrap()),
                Lit::odec(Some(
                    "-79228162514264337593543950335".parse::<Decimal>().unwrap(),
                )),
                Lit::j(Some(
                    anytable::serde_json::from_str::<anytable::serde_json::Value>(r#"{}"#).unwrap(),
                )),
                Lit::uid(Uuid::from_u128(0xffffffffffffffffffffffffffffffff)),
            ],
        }]),
        Op::Insert(Row {
            k: 10,
            values: vec![
                Lit::g(1i16),
                Lit::i(2147483647i64),
                Lit::oi(Some(0i64)),
                Lit::n(32768i32),
                Lit::u(3u32),
                Lit::w(1u64),
                Lit::f(f64::from_bits(0x4341c37937e08000)),
                Lit::of(Some(f64::from_bits(0x17e5c18fea63b964))),
                Lit::h(f32::from_bits(0x7f7fffff)),
                Lit::b(false),
                Lit::t("\u{7f}~مرحبا".to_owned()),
                Lit::ot(Some("Ä%".to_owned())),
                Lit::bytes(vec![255, 97, 255, 0, 141]),
                Lit::ts(DateTime::from_timestamp(1700000075, 0).unwrap()),
                Lit::ots(Some(DateTime::from_timestamp(-59963130152, 0).unwrap())),
                Lit::day(NaiveDate::from_num_days_from_ce_opt(730179).unwrap()),
                Lit::dt(DateTime::from_timestamp(1, 0).unwrap().naive_utc()),
                Lit::tm(NaiveTime::from_num_seconds_from_midnight_opt(46122, 0).unwrap()),
                Lit::dec("880479263311211.231".parse::<Decimal>().unwrap()),
                Lit::odec(Some("-84696860268987963.14".parse::<Decimal>().unwrap())),
                Lit::j(None),
                Lit::uid(Uuid::from_u128(0xffffffffffffffffffffffffffffffff)),
            ],
        }),
        Op::ArrowRoundTrip,
        Op::DeleteAll,
        Op::InsertMany(vec![
            Row {
                k: 8,
                values: vec![
                    Lit::g(3i16),
                    Lit::i(718352003562763275i64),
                    Lit::oi(Some(1647840102039626757i64)),
                    Lit::n(-2147483648i32),
                    Lit::u(4294967295u32),
                    Lit::w(1u64),
                    Lit::f(f64::from_bits(0xc00c000000000000)),
                    Lit::of(None),
                    Lit::h(f32::from_bits(0x3dcccccd)),
                    Lit::b(true),
                    Lit::t("9é\u{ffff}\u{7f}".to_owned()),
                    Lit::ot(Some("😀𝄞A".to_owned())),
                    Lit::bytes(vec![97, 255, 97]),
                    Lit::ts(DateTime::from_timestamp(220868982456, 123456000).unwrap()),
                    Lit::ots(Some(DateTime::from_timestamp(1700000089, 0).unwrap())),
                    Lit::day(NaiveDate::from_num_days_from_ce_opt(1833164).unwrap()),
                    Lit::dt(DateTime::from_timestamp(946684800, 0).unwrap().naive_utc()),
                    Lit::tm(NaiveTime::from_num_seconds_from_midnight_opt(46995, 0).unwrap()),
                    Lit::dec("79228162514264337593543950335".parse::<Decimal>().unwrap()),
                    Lit::odec(None),
                    Lit::j(Some(
                        anytable::serde_json::from_str::<anytable::serde_json::Value>(
                            r#"["ẞ‏\tÉ",null]"#,
                        )
                        .unwrap(),
                    )),
                    Lit::uid(Uuid::from_u128(0x0)),
                ],
            },
            Row {
                k: 6,
                values: vec![
                    Lit::g(1i16),
                    Lit::i(9223372036854775806i64),
                    Lit::oi(Some(3i64)),
                    Lit::n(2147483647i32),
                    Lit::u(2147483648u32),
                    Lit::w(7502269785395754962u64),
                    Lit::f(f64::from_bits(0x97661e155d518)),
                    Lit::of(Some(f64::from_bits(0x4340000000000000))),
                    Lit::h(f32::from_bits(0x81c9d534)),
                    Lit::b(false),
                    Lit::t("_".to_owned()),
                    Lit::ot(Some("".to_owned())),
                    Lit::bytes(vec![]),
                    Lit::ts(DateTime::from_timestamp(1700000087, 0).unwrap()),
                    Lit::ots(Some(DateTime::from_timestamp(946684800, 0).unwrap())),
                    Lit::day(NaiveDate::from_num_days_from_ce_opt(2547713).unwrap()),
                    Lit::dt(
                        DateTime::from_timestamp(253402300799, 789)
                            .unwrap()
                            .naive_utc(),
                    ),
                    Lit::tm(
                        NaiveTime::from_num_seconds_from_midnight_opt(80383, 123456000).unwrap(),
                    ),
                    Lit::dec("0.5".parse::<Decimal>().unwrap()),
                    Lit::odec(Some("8453965898945946.033".parse::<Decimal>().unwrap())),
                    Lit::j(Some(
                        anytable::serde_json::from_str::<anytable::serde_json::Value>(
                            r#"[true,{"a":null,"é":null}]"#,
                        )
                        .unwrap(),
                    )),
                    Lit::uid(Uuid::from_u128(0x23bad46bac8507df33f9f4a74365b2d6)),
                ],
            },
        ]),
        Op::Select {
            pred: Pred::Or(vec![
                Pred::All,
                Pred::Or(vec![
                    Pred::Key(CmpOp::Ne, 10),
                    Pred::Cmp(
                        CmpOp::Eq,
                        Lit::day(NaiveDate::from_num_days_from_ce_opt(2764374).unwrap()),
                    ),
                ]),
            ]),
            order: vec![],
            limit: Some(1),
            offset: None,
        },
    ]
}

/// Two rows of `f64::MAX` in one group, summed under a HAVING that leaves the group out:
/// PostgreSQL failed while adding, SQLite and DuckDB answered without the group.
fn float_sum_under_having() -> Vec<Op> {
    vec![
        Op::Upsert(
            Row {
                k: 1,
                values: vec![
                    Lit::g(0i16),
                    Lit::i(0i64),
                    Lit::oi(None),
                    Lit::n(0i32),
                    Lit::u(0u32),
                    Lit::w(0u64),
                    Lit::f(f64::from_bits(0x7fefffffffffffff)),
                    Lit::of(None),
                    Lit::h(f32::from_bits(0x0)),
                    Lit::b(true),
                    Lit::t("".to_owned()),
                    Lit::ot(None),
                    Lit::bytes(vec![]),
                    Lit::ts(DateTime::from_timestamp(0, 0).unwrap()),
                    Lit::ots(Some(DateTime::from_timestamp(0, 0).unwrap())),
                    Lit::day(NaiveDate::from_num_days_from_ce_opt(719163).unwrap()),
                    Lit::dt(DateTime::from_timestamp(0, 0).unwrap().naive_utc()),
                    Lit::tm(NaiveTime::from_num_seconds_from_midnight_opt(0, 0).unwrap()),
                    Lit::dec("0".parse::<Decimal>().unwrap()),
                    Lit::odec(None),
                    Lit::j(None),
                    Lit::uid(Uuid::from_u128(0x0)),
                ],
            },
            Conflict::Nothing,
        ),
        Op::Insert(Row {
            k: 0,
            values: vec![
                Lit::g(0i16),
                Lit::i(0i64),
                Lit::oi(None),
                Lit::n(0i32),
                Lit::u(0u32),
                Lit::w(0u64),
                Lit::f(f64::from_bits(0x7fefffffffffffff)),
                Lit::of(None),
                Lit::h(f32::from_bits(0x0)),
                Lit::b(true),
                Lit::t("".to_owned()),
                Lit::ot(None),
                Lit::bytes(vec![]),
                Lit::ts(DateTime::from_timestamp(0, 0).unwrap()),
                Lit::ots(Some(DateTime::from_timestamp(-1, 0).unwrap())),
                Lit::day(NaiveDate::from_num_days_from_ce_opt(719163).unwrap()),
                Lit::dt(DateTime::from_timestamp(0, 0).unwrap().naive_utc()),
                Lit::tm(NaiveTime::from_num_seconds_from_midnight_opt(0, 0).unwrap()),
                Lit::dec("0".parse::<Decimal>().unwrap()),
                Lit::odec(None),
                Lit::j(None),
                Lit::uid(Uuid::from_u128(0x0)),
            ],
        }),
        Op::Group(
            Pred::Or(vec![Pred::All]),
            GroupCol::g,
            Agg::Sum(SumCol::f),
            Some(2),
        ),
    ]
}
