//! Both derives on items declared inside a function body.
use ringpool::bytemuck::{Pod, Zeroable};
use ringpool::{MessageSet, PooledMessage, RingPtr, SizeClass};

fn main() {
    #[derive(Clone, Copy, Pod, Zeroable, PooledMessage)]
    #[bytemuck(crate = "ringpool::bytemuck")]
    #[repr(C)]
    struct Local {
        value: [u8; 100],
    }

    #[derive(MessageSet)]
    enum LocalSet {
        Local(RingPtr<Local>),
    }

    assert_eq!(Local::CLASS, SizeClass::S);
    assert_eq!(LocalSet::TYPE_IDS, [Local::TYPE_ID]);
    assert_eq!(LocalSet::POOL_CONFIG.capacity(SizeClass::S), 2048);
    let _ = |set: LocalSet| match set {
        LocalSet::Local(message) => message.value[0],
    };
}
