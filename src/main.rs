use std::process::ExitCode;

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("connect-rules: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() && arguments.is_empty() {
        match runtime.block_on(connect_rules::lambda::serve()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("connect-rules: cold start failed:\n{error}");
                ExitCode::FAILURE
            }
        }
    } else {
        runtime.block_on(connect_rules::cli::run(&arguments))
    }
}
