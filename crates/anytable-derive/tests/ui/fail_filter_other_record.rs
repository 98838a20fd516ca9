#[derive(anytable::Record)]
struct A {
    number: i64,
}
#[derive(anytable::Record)]
struct B {
    number: i64,
}
fn run(table: &anytable::TableHandle<'_, A>) {
    let _ = table.filter(B::number().eq(1));
}
fn main() {}
