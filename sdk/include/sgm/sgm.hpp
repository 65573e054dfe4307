// sgm.hpp: the whole SDK in one include.
#pragma once

#include "sgm/abi.hpp"
#include "sgm/context.hpp"
#include "sgm/dataset.hpp"
#include "sgm/error.hpp"
#include "sgm/forward_sde.hpp"
#include "sgm/gaussian_mixture.hpp"
#include "sgm/integrator.hpp"
#include "sgm/metric.hpp"
#include "sgm/params.hpp"
#include "sgm/plugin.hpp"
#include "sgm/registry.hpp"
#include "sgm/reverse.hpp"
#include "sgm/rng.hpp"
#include "sgm/score_model.hpp"
#include "sgm/types.hpp"
