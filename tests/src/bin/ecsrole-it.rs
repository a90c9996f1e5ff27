fn main() -> std::process::ExitCode {
    ecsrole::main()
}
