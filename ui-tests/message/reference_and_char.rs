#[ringpool::message(type_id = 3)]
struct Named {
    name: &'static str,
    initial: char,
}

fn main() {}
