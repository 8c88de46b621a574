fn main() {
    let c = atomik_hdl::CoreConfig::default();
    print!("{}", atomik_hdl::export::core_verilog(c).unwrap().verilog);
}
