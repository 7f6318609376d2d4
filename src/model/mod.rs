//! Model: the burn network that forecasts every outcome from the encoded levers, dimensions,
//! covariates and calendar; training as a job, the deep ensemble, save/load and the choice of
//! device (GPU through wgpu, CPU through flex). The only module that imports burn.
//!
//! Not built yet: the forecast-model issue fills it in.
