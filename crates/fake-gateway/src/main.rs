//! `fake-gateway [--port N]`: serves the Glama stand-in on 127.0.0.1 for the offline demo.

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut port = 8787u16;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                port = args
                    .next()
                    .and_then(|p| p.parse().ok())
                    .unwrap_or_else(|| usage("--port needs a number"));
            }
            "-h" | "--help" => usage(""),
            other => usage(&format!("unknown argument {other}")),
        }
    }
    let gateway = fake_gateway::FakeGateway::start_on(([127, 0, 0, 1], port).into()).await?;
    println!("fake Glama gateway on {}", gateway.url());
    println!("run the app against it: GLAMA_GATEWAY_URL={} glama-chat", gateway.url());
    tokio::signal::ctrl_c().await?;
    Ok(())
}

fn usage(problem: &str) -> ! {
    if !problem.is_empty() {
        eprintln!("fake-gateway: {problem}");
    }
    eprintln!("usage: fake-gateway [--port N]   (default 8787)");
    std::process::exit(if problem.is_empty() { 0 } else { 2 });
}
