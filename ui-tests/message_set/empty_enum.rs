use ringpool::MessageSet;

#[derive(MessageSet)]
enum Inbound {}

fn main() {}
